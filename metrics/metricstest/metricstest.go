// Package metricstest reads a Prometheus text exposition for tests: every sample by its series, and sums
// over label subsets. It is for tests of programs that serve package metrics' /metrics page; it must not
// be imported by non-test code.
package metricstest

import (
	"bufio"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// Scrape GETs url (a /metrics endpoint) and returns every sample (Parse). A failed request or a status
// other than 200 fails the test.
func Scrape(t testing.TB, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return Parse(t, resp.Body)
}

// Parse reads a text exposition and returns every sample keyed by its series as exposed:
// name{label="value",…} with the labels in the order written (alphabetical, as client_golang writes
// them). Comments and blank lines are skipped; a sample whose value does not parse fails the test.
func Parse(t testing.TB, r io.Reader) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("sample %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Sum adds the samples of metric name whose labels include every given name, value pair
// (labels: "method", "tools/call", "outcome", "ok", …).
func Sum(samples map[string]float64, name string, labels ...string) float64 {
	var total float64
next:
	for series, v := range samples {
		n, rest, _ := strings.Cut(series, "{")
		if n != name {
			continue
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if !strings.Contains(rest, labels[i]+`="`+labels[i+1]+`"`) {
				continue next
			}
		}
		total += v
	}
	return total
}
