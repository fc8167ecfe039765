package badinput

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"text/tabwriter"
	"time"
)

// target is one transport the corpus runs against.
type target interface {
	name() string
	accepts(k *kase) bool
	send(k *kase) outcome
	normalCall(n int) error
	close()
}

// counts are the tallies of one class on one target.
type counts struct {
	requests, rpcErrors, toolErrors, results, status4xx, status5xx, panics, hangs, violations, known int
	elapsed                                                                                          time.Duration
}

func (c *counts) add(o counts) {
	c.requests += o.requests
	c.rpcErrors += o.rpcErrors
	c.toolErrors += o.toolErrors
	c.results += o.results
	c.status4xx += o.status4xx
	c.status5xx += o.status5xx
	c.panics += o.panics
	c.hangs += o.hangs
	c.violations += o.violations
	c.known += o.known
	c.elapsed += o.elapsed
}

// seenDefects counts the failures of each listed defect (by its logged reason).
var seenDefects = map[string]int{}

// slowCase is the duration past which a case's time is logged.
const slowCase = time.Second

// maxEcho bounds how much of a request an error message may quote.
const maxEcho = 64 << 10

// maxHangsPerTarget stops a target after this many hangs (each costs requestTimeout).
const maxHangsPerTarget = 3

// TestBadInput runs the corpus against every transport: every case is answered with a JSON-RPC error or an
// HTTP 4xx (or, for odd but valid input, any answer), never a 5xx, a panic or a hang; tools/call add still
// works after each class. It logs a table of counts per class and target.
func TestBadInput(t *testing.T) {
	srv := newServer()
	hs := newHTTPServer(srv)
	defer hs.close()

	type mk func() (target, error)
	makers := []mk{
		func() (target, error) { return newStdioTarget(srv, legacy) },
		func() (target, error) { return newStdioTarget(srv, modern) },
		func() (target, error) { return newStreamableTarget(hs, legacy) },
		func() (target, error) { return newStreamableTarget(hs, modern) },
		func() (target, error) { return newSSETarget(hs) },
	}
	table := map[string]map[string]*counts{} // class → target → counts
	var targetNames []string
	for _, make := range makers {
		tg, err := make()
		if err != nil {
			t.Fatalf("setting up a target: %v", err)
		}
		targetNames = append(targetNames, tg.name())
		runTarget(t, tg, table)
		tg.close()
	}
	logTable(t, table, targetNames)
	for _, d := range append(append([]defect(nil), knownDefects...), openDefects...) {
		if seenDefects["KNOWN DEFECT: "+d.why]+seenDefects["OPEN DEFECT: "+d.why] == 0 {
			t.Errorf("STALE ENTRY: no case failed for %q: remove it from the defect lists", d.why)
		}
	}
	if p := panics.Load(); p > 0 {
		t.Errorf("%d panics: %q", p, panicLog.all())
	}
}

func runTarget(t *testing.T, tg target, table map[string]map[string]*counts) {
	e := legacy
	if strings.HasSuffix(tg.name(), "2026") {
		e = modern
	}
	if tg.name() == "http+sse" {
		e = legacy
	}
	byClass := map[string][]*kase{}
	for _, k := range corpus(e) {
		if tg.accepts(k) {
			byClass[k.class] = append(byClass[k.class], k)
		}
	}
	hangs := 0
	n := 0
	for _, class := range classes {
		cases := byClass[class]
		if len(cases) == 0 {
			continue
		}
		c := &counts{}
		if table[class] == nil {
			table[class] = map[string]*counts{}
		}
		table[class][tg.name()] = c
		before := panics.Load()
		start := time.Now()
		for _, k := range cases {
			if hangs >= maxHangsPerTarget {
				t.Errorf("%s: stopped after %d hangs", tg.name(), hangs)
				return
			}
			t0 := time.Now()
			o := tg.send(k)
			if d := time.Since(t0); d > slowCase {
				t.Logf("%s %s took %.1fs", tg.name(), k.label(), d.Seconds())
			}
			c.requests++
			problems := check(k, o, c)
			if errors.Is(o.err, errHang) {
				hangs++
			}
			if len(problems) == 0 {
				continue
			}
			label := tg.name() + " " + k.label()
			if why, ok := knownDefect(tg.name(), k); ok && !errors.Is(o.err, errHang) {
				seenDefects[why]++
				c.known++
				t.Logf("%s: %s (%s)", label, strings.Join(problems, "; "), why)
				continue
			}
			c.violations++
			t.Errorf("%s: %s", label, strings.Join(problems, "; "))
		}
		c.panics = int(panics.Load() - before)
		c.elapsed = time.Since(start)
		n++
		if err := tg.normalCall(n); err != nil {
			t.Errorf("%s: tools/call add fails after class %s: %v", tg.name(), class, err)
		}
	}
}

// check classifies o into c and returns what is wrong with it.
func check(k *kase, o outcome, c *counts) []string {
	var problems []string
	switch {
	case errors.Is(o.err, errHang):
		c.hangs++
		return []string{o.err.Error()}
	case o.err != nil:
		return []string{"transport error: " + o.err.Error()}
	}
	if o.note != "" {
		problems = append(problems, o.note)
	}
	switch {
	case o.status >= 500:
		c.status5xx++
		problems = append(problems, fmt.Sprintf("HTTP %d", o.status))
	case o.status >= 400:
		c.status4xx++
	}
	var errs, results int
	for _, raw := range o.replies {
		var r reply
		if err := json.Unmarshal(raw, &r); err != nil {
			problems = append(problems, fmt.Sprintf("reply is not a JSON-RPC response: %s", snippet(raw)))
			continue
		}
		switch {
		case r.Error != nil:
			errs++
			c.rpcErrors++
			if r.Error.Code == -32603 {
				problems = append(problems, fmt.Sprintf("internal error %q", r.Error.Message))
			}
		case r.isToolError():
			errs++
			c.toolErrors++
		case r.Result != nil:
			results++
			c.results++
		default:
			problems = append(problems, fmt.Sprintf("reply has neither result nor error: %s", snippet(raw)))
		}
		if r.Error != nil && len(raw)-len(r.ID) > maxEcho {
			problems = append(problems, fmt.Sprintf("an error reply of %d bytes (quotes the input unbounded)", len(raw)))
		}
		if k.id != "" && r.ID != nil && string(r.ID) != "null" && string(r.ID) != k.id {
			problems = append(problems, fmt.Sprintf("id %s answered as %s", snippetS(k.id), snippet(r.ID)))
		}
	}
	if k.count > 0 && o.status < 400 && len(o.replies) != k.count {
		problems = append(problems, fmt.Sprintf("%d responses, want %d", len(o.replies), k.count))
	}
	answered := o.status >= 400 || len(o.replies) > 0
	switch k.want {
	case wantError:
		if !answered {
			problems = append(problems, fmt.Sprintf("no error: HTTP %d and no reply", o.status))
		} else if results > 0 {
			problems = append(problems, fmt.Sprintf("accepted: HTTP %d, result %s", o.status, snippet(o.replies[0])))
		}
	case wantAnswer:
		if !answered {
			problems = append(problems, fmt.Sprintf("unanswered: HTTP %d and no reply", o.status))
		}
	case wantNothing:
		if len(o.replies) > 0 {
			problems = append(problems, fmt.Sprintf("a notification was answered: %s", snippet(o.replies[0])))
		}
	case wantNoResult:
		if results > 0 {
			problems = append(problems, fmt.Sprintf("a response was answered with a result: %s", snippet(o.replies[0])))
		}
	}
	return problems
}

func snippetS(s string) string { return snippet([]byte(s)) }

func logTable(t *testing.T, table map[string]map[string]*counts, targets []string) {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 1, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "class\ttarget\tcases\tJSON-RPC errors\tisError results\tresults\t4xx\t5xx\tpanics\thangs\tviolations\tlisted defects\tseconds\t")
	row := func(class, target string, c *counts) {
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.1f\t\n", class, target, c.requests, c.rpcErrors, c.toolErrors,
			c.results, c.status4xx, c.status5xx, c.panics, c.hangs, c.violations, c.known, c.elapsed.Seconds())
	}
	var total counts
	for _, class := range classes {
		cs := table[class]
		names := make([]string, 0, len(cs))
		for n := range cs {
			names = append(names, n)
		}
		sort.Slice(names, func(i, j int) bool { return index(targets, names[i]) < index(targets, names[j]) })
		for _, n := range names {
			total.add(*cs[n])
			row(class, n, cs[n])
		}
	}
	row("total", "", &total)
	w.Flush()
	t.Log("bad-input corpus, counts per class and target (cases are messages or HTTP requests sent; errors and\n" +
		"results count responses, one per element of a batch; listed defects are knownDefects and openDefects):\n" + b.String())
}

func index(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return len(list)
}

// defect is a failure this corpus finds that is not fixed yet. The case still runs and is logged; it does
// not fail the test. Remove the entry when the fix lands (the lead does, after merging issue 11's fixes).
type defect struct {
	targets string // target names separated by spaces; "" for every target
	cases   string // "class/name" labels separated by '|'
	why     string // the defect, the file at fault and who owns it
}

// knownDefects are defects that a change in progress fixes; openDefects are defects found that no change
// fixes yet. Both are empty: every case of the corpus passes. A new finding goes in one of them, with the
// file at fault, only while its fix is on the way; an entry that no longer fails fails the test.
var knownDefects, openDefects []defect

func (d defect) matches(target string, k *kase) bool {
	if d.targets != "" && !strings.Contains(" "+d.targets+" ", " "+target+" ") {
		return false
	}
	for _, c := range strings.Split(d.cases, "|") {
		if c == k.label() || (strings.HasSuffix(c, "/*") && k.class+"/*" == c) {
			return true
		}
	}
	return false
}

// knownDefect reports whether a failure of k on target is listed, and as what.
func knownDefect(target string, k *kase) (string, bool) {
	for _, d := range knownDefects {
		if d.matches(target, k) {
			return "KNOWN DEFECT: " + d.why, true
		}
	}
	for _, d := range openDefects {
		if d.matches(target, k) {
			return "OPEN DEFECT: " + d.why, true
		}
	}
	return "", false
}
