package mcp

import (
	"slices"
	"testing"
)

func TestVersionLists(t *testing.T) {
	if SupportedVersions[0] != LatestVersion {
		t.Errorf("SupportedVersions[0] = %s, want LatestVersion %s", SupportedVersions[0], LatestVersion)
	}
	if LegacyVersions[0] != LatestLegacyVersion {
		t.Errorf("LegacyVersions[0] = %s, want LatestLegacyVersion %s", LegacyVersions[0], LatestLegacyVersion)
	}
	for _, list := range [][]string{SupportedVersions, LegacyVersions, ModernVersions} {
		if !slices.IsSortedFunc(list, func(a, b string) int { return -compareStrings(a, b) }) {
			t.Errorf("%v is not newest first", list)
		}
	}
	if got := append(slices.Clone(ModernVersions), LegacyVersions...); !slices.Equal(got, SupportedVersions) {
		t.Errorf("ModernVersions+LegacyVersions = %v, want SupportedVersions %v", got, SupportedVersions)
	}
	for _, v := range LegacyVersions {
		if EraOf(v) != EraLegacy {
			t.Errorf("EraOf(%s) = %v, want legacy", v, EraOf(v))
		}
	}
	for _, v := range ModernVersions {
		if EraOf(v) != EraModern {
			t.Errorf("EraOf(%s) = %v, want modern", v, EraOf(v))
		}
	}
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestIsSupported(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want bool
	}{
		{"2024-11-05", true}, {"2025-03-26", true}, {"2025-06-18", true}, {"2025-11-25", true}, {"2026-07-28", true},
		{"2024-10-07", false}, {"2027-01-01", false}, {"", false}, {"draft", false}, {"2025-11-25 ", false},
	} {
		if got := IsSupported(tc.v); got != tc.want {
			t.Errorf("IsSupported(%q) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

func TestEraOf(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want Era
	}{
		{"2024-11-05", EraLegacy},
		{"2025-11-25", EraLegacy},
		{"1900-01-01", EraLegacy},
		{"2026-07-27", EraLegacy},
		{"2026-07-28", EraModern},
		{"2026-12-01", EraModern},
		{"2099-01-01", EraModern},
		{"", EraUnknown},
		{"draft", EraUnknown},
		{"2026-7-28", EraUnknown},
		{"2026-07-28x", EraUnknown},
		{"２026-07-28", EraUnknown},
		{"zzzz-zz-zz", EraUnknown},
	} {
		if got := EraOf(tc.v); got != tc.want {
			t.Errorf("EraOf(%q) = %v, want %v", tc.v, got, tc.want)
		}
	}
	if EraLegacy.String() != "legacy" || EraModern.String() != "modern" || EraUnknown.String() != "unknown" {
		t.Error("Era.String")
	}
}

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct{ requested, want string }{
		{"2024-11-05", "2024-11-05"},
		{"2025-03-26", "2025-03-26"},
		{"2025-06-18", "2025-06-18"},
		{"2025-11-25", "2025-11-25"},
		{"2026-07-28", LatestLegacyVersion}, // modern revisions have no initialize
		{"2024-10-07", LatestLegacyVersion},
		{"2030-01-01", LatestLegacyVersion},
		{"", LatestLegacyVersion},
		{"garbage", LatestLegacyVersion},
	} {
		if got := Negotiate(tc.requested); got != tc.want {
			t.Errorf("Negotiate(%q) = %q, want %q", tc.requested, got, tc.want)
		}
	}
}

func TestNegotiateFrom(t *testing.T) {
	for _, tc := range []struct {
		requested string
		offered   []string
		want      string
	}{
		{"2025-06-18", SupportedVersions, "2025-06-18"},
		{"2025-06-18", []string{"2024-11-05", "2025-03-26"}, "2025-03-26"}, // newest offered, whatever the order
		{"2026-07-28", SupportedVersions, "2025-11-25"},
		{"2025-03-26", []string{"2026-07-28"}, ""},
		{"2025-03-26", nil, ""},
	} {
		if got := NegotiateFrom(tc.requested, tc.offered); got != tc.want {
			t.Errorf("NegotiateFrom(%q, %v) = %q, want %q", tc.requested, tc.offered, got, tc.want)
		}
	}
}

func TestFeatureGates(t *testing.T) {
	type gate struct {
		name string
		fn   func(string) bool
		want []string // the supported versions for which fn is true
	}
	for _, g := range []gate{
		{"HasAudioContent", HasAudioContent, []string{"2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"}},
		{"HasToolAnnotations", HasToolAnnotations, []string{"2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"}},
		{"HasCompletionsCapability", HasCompletionsCapability, []string{"2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"}},
		{"AllowsBatches", AllowsBatches, []string{"2025-03-26"}},
		{"HasStructuredContent", HasStructuredContent, []string{"2025-06-18", "2025-11-25", "2026-07-28"}},
		{"HasTitles", HasTitles, []string{"2025-06-18", "2025-11-25", "2026-07-28"}},
		{"HasResourceLinks", HasResourceLinks, []string{"2025-06-18", "2025-11-25", "2026-07-28"}},
		{"HasElicitation", HasElicitation, []string{"2025-06-18", "2025-11-25", "2026-07-28"}},
		{"HasIcons", HasIcons, []string{"2025-11-25", "2026-07-28"}},
		{"HasURLElicitation", HasURLElicitation, []string{"2025-11-25", "2026-07-28"}},
		{"HasSamplingTools", HasSamplingTools, []string{"2025-11-25", "2026-07-28"}},
		{"HasResultType", HasResultType, []string{"2026-07-28"}},
		{"HasCacheHints", HasCacheHints, []string{"2026-07-28"}},
	} {
		var got []string
		for _, v := range SupportedVersions {
			if g.fn(v) {
				got = append(got, v)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, g.want) {
			t.Errorf("%s holds for %v, want %v", g.name, got, g.want)
		}
		for _, bad := range []string{"", "draft", "latest"} {
			if g.fn(bad) {
				t.Errorf("%s(%q) = true, want false for a non-version", g.name, bad)
			}
		}
	}
}

func TestAtLeast(t *testing.T) {
	for _, tc := range []struct {
		v, min string
		want   bool
	}{
		{"2025-06-18", "2025-06-18", true},
		{"2025-11-25", "2025-06-18", true},
		{"2025-03-26", "2025-06-18", false},
		{"2026-07-28", "2024-11-05", true},
		{"", "2024-11-05", false},
		{"zzzz", "2024-11-05", false}, // would sort after every date as a plain string
		{"2025-06-18", "", false},
	} {
		if got := AtLeast(tc.v, tc.min); got != tc.want {
			t.Errorf("AtLeast(%q, %q) = %v, want %v", tc.v, tc.min, got, tc.want)
		}
	}
}

func TestLoggingLevelOrder(t *testing.T) {
	order := []LoggingLevel{LevelDebug, LevelInfo, LevelNotice, LevelWarning, LevelError, LevelCritical, LevelAlert, LevelEmergency}
	for i, l := range order {
		if l.Severity() != i {
			t.Errorf("%s.Severity() = %d, want %d", l, l.Severity(), i)
		}
		if !l.Valid() {
			t.Errorf("%s.Valid() = false", l)
		}
		for j, min := range order {
			if got, want := l.AtLeast(min), i >= j; got != want {
				t.Errorf("%s.AtLeast(%s) = %v, want %v", l, min, got, want)
			}
		}
	}
	for _, bad := range []LoggingLevel{"", "warn", "DEBUG", "fatal"} {
		if bad.Valid() || bad.Severity() != -1 {
			t.Errorf("%q should not be a valid level", bad)
		}
		if bad.AtLeast(LevelDebug) || LevelEmergency.AtLeast(bad) {
			t.Errorf("AtLeast must be false when either level is invalid (%q)", bad)
		}
	}
}
