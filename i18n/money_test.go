package i18n

import "testing"

func TestFormatMoney(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cents  int64
		fr, en string
	}{
		{1999, "19,99\u00a0$", "$19.99"},
		{2298, "22,98\u00a0$", "$22.98"},
		{100, "1,00\u00a0$", "$1.00"},
		{5, "0,05\u00a0$", "$0.05"},
		{0, "0,00\u00a0$", "$0.00"},
		{123450, "1\u00a0234,50\u00a0$", "$1,234.50"},
		{123456789, "1\u00a0234\u00a0567,89\u00a0$", "$1,234,567.89"},
		{100000, "1\u00a0000,00\u00a0$", "$1,000.00"},
		{99999, "999,99\u00a0$", "$999.99"},
		{-2298, "-22,98\u00a0$", "-$22.98"},
	}
	for _, tt := range tests {
		if got := FormatMoney(tt.cents, "fr"); got != tt.fr {
			t.Errorf("FormatMoney(%d, fr) = %q, want %q", tt.cents, got, tt.fr)
		}
		if got := FormatMoney(tt.cents, "en"); got != tt.en {
			t.Errorf("FormatMoney(%d, en) = %q, want %q", tt.cents, got, tt.en)
		}
	}
}

func TestFormatRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rate   int64
		fr, en string
	}{
		{5_000, "5\u00a0%", "5%"},
		{9_975, "9,975\u00a0%", "9.975%"},
		{9_500, "9,5\u00a0%", "9.5%"},
		{13_000, "13\u00a0%", "13%"},
		{50, "0,05\u00a0%", "0.05%"},
		{1, "0,001\u00a0%", "0.001%"},
	}
	for _, tt := range tests {
		if got := FormatRate(tt.rate, "fr"); got != tt.fr {
			t.Errorf("FormatRate(%d, fr) = %q, want %q", tt.rate, got, tt.fr)
		}
		if got := FormatRate(tt.rate, "en"); got != tt.en {
			t.Errorf("FormatRate(%d, en) = %q, want %q", tt.rate, got, tt.en)
		}
	}
}
