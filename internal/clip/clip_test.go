package clip

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"short", "abc", 5, "abc"},
		{"exact", "abcde", 5, "abcde"},
		{"cut", "abcdef", 5, "abcde…"},
		{"default bound", strings.Repeat("x", Max+1), 0, strings.Repeat("x", Max) + "…"},
		{"no split of a rune", "ab€d", 3, "ab…"}, // € is 3 bytes: cutting at 3 would split it
		{"rune fits", "ab€d", 5, "ab€…"},
		{"invalid input cut at the bound", "ab\x80\x80\x80\x80\x80", 4, "ab\x80\x80…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := String(tt.in, tt.max); got != tt.want {
				t.Errorf("String(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
			if got := Bytes([]byte(tt.in), tt.max); got != tt.want {
				t.Errorf("Bytes(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

func TestHugeInputStaysValidUTF8(t *testing.T) {
	in := strings.Repeat("é", 3<<20)
	got := String(in, Max)
	if len(got) > Max+len(Ellipsis) || !utf8.ValidString(got) {
		t.Fatalf("clipped to %d bytes, valid=%v", len(got), utf8.ValidString(got))
	}
}
