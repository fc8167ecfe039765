package jsonrpc

import (
	"math/big"
	"testing"
)

func TestNumericIDs(t *testing.T) {
	tests := []struct {
		lit      string
		unboxed  bool // kept as an int64
		integral bool
	}{
		{"0", true, true},
		{"7", true, true},
		{"-7", true, true},
		{"9223372036854775807", true, true},
		{"-9223372036854775808", true, true},
		{"9223372036854775808", false, true},
		{"-9223372036854775809", false, true},
		{"99999999999999999999", false, true},
		{"-0", false, true},
		{"1.0", false, true},
		{"1e3", false, true},
		{"1E+3", false, true},
		{"2.50e1", false, true},
		{"1200e-2", false, true},
		{"0.000e-99", false, true},
		{"1e999999999999999999999", false, true},
		{"1.5", false, false},
		{"1e-400", false, false},
		{"1201e-2", false, false},
		{"0.1", false, false},
		{"-0.25e1", false, false},
		{"1e-999999999999999999999", false, false},
	}
	for _, tt := range tests {
		n, ok := canonicalInt([]byte(tt.lit))
		if ok != tt.unboxed {
			t.Errorf("canonicalInt(%s) = %d, %v", tt.lit, n, ok)
		}
		if ok {
			if want, _ := new(big.Int).SetString(tt.lit, 10); want.Int64() != n {
				t.Errorf("canonicalInt(%s) = %d", tt.lit, n)
			}
		}
		if got := isIntegral([]byte(tt.lit)); got != tt.integral {
			t.Errorf("isIntegral(%s) = %v", tt.lit, got)
		}
		id, err := parseID([]byte(tt.lit))
		if (err == nil) != tt.integral || id.Raw() != tt.lit {
			t.Errorf("parseID(%s) = %s, %v", tt.lit, id.Raw(), err)
		}
	}
}

func BenchmarkParseIntID(b *testing.B) {
	v := []byte("123456")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseID(v); err != nil {
			b.Fatal(err)
		}
	}
}
