package admission

import (
	"net/http/httptest"
	"testing"
)

// TestStaffAPIClass: the API's clinic staff routes are not shed as
// browsing; public clinic pages and look-alike paths still are.
func TestStaffAPIClass(t *testing.T) {
	tests := []struct {
		method, path string
		want         Class
	}{
		{"GET", "/api/v1/clinics/1/practitioners/2/exceptions", Hold},
		{"POST", "/api/v1/clinics/1/practitioners/2/exceptions", Hold},
		{"POST", "/api/v1/clinics/1/practitioners/2/exceptions/preview", Hold},
		{"DELETE", "/api/v1/clinics/1/practitioners/2/exceptions/7", Hold},
		{"GET", "/api/v1/clinics/1", Browse},
		{"GET", "/api/v1/clinics", Browse},
		{"GET", "/api/v1/clinics/1/practitioners/2/exceptionsx", Browse},
		{"GET", "/api/v1/clinics/1/practitioners/2", Browse},
		{"POST", "/api/v1/clinics/1/exceptions", Browse},
	}
	for _, tt := range tests {
		if got := Classify(httptest.NewRequest(tt.method, tt.path, nil)); got != tt.want {
			t.Errorf("%s %s: class %v, want %v", tt.method, tt.path, got, tt.want)
		}
	}
}
