package waitroom

import (
	"net/http/httptest"
	"testing"
)

// TestStaffAPIBypassesTheRoom: the API's clinic staff routes go past the
// room, as the staff pages under /clinique do; public API reads wait.
func TestStaffAPIBypassesTheRoom(t *testing.T) {
	tests := []struct {
		method, path string
		bypass       bool
	}{
		{"GET", "/api/v1/clinics/1/practitioners/2/exceptions", true},
		{"POST", "/api/v1/clinics/1/practitioners/2/exceptions/preview", true},
		{"DELETE", "/api/v1/clinics/1/practitioners/2/exceptions/7", true},
		{"GET", "/api/v1/clinics/1", false},
		{"GET", "/api/v1/slots", false},
	}
	for _, tt := range tests {
		if got := DefaultBypass(httptest.NewRequest(tt.method, tt.path, nil)); got != tt.bypass {
			t.Errorf("%s %s: bypass %v, want %v", tt.method, tt.path, got, tt.bypass)
		}
	}
}
