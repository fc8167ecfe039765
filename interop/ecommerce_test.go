package interop

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/examples/ecommerce/shop"
)

// TestInspectorEcommerce asks examples/ecommerce (on SQLite, nothing set up) the seed's questions with the
// Inspector CLI 2.12.0, over Streamable HTTP (/mcp) and HTTP+SSE (/sse), in order: what is in stock,
// purchases with their totals, the errors a model reads (exit code 5, isError), the orders and the catalog
// resource after them.
func TestInspectorEcommerce(t *testing.T) {
	peers(t)
	bin := filepath.Join(os.Getenv("MCPKIT_PEERS"), "node_modules", ".bin", "mcp-inspector")
	ctx := context.Background()
	st, err := shop.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := shop.New(st, nil)
	t.Cleanup(func() { s.Close() })
	base := serveBoth(t, s)
	home := t.TempDir() // it writes state under HOME
	tool := func(name string, args ...string) []string {
		cmd := []string{"--method", "tools/call", "--tool-name", name}
		if len(args) > 0 {
			cmd = append(append(cmd, "--tool-arg"), args...)
		}
		return cmd
	}
	for _, q := range []struct {
		ask  string
		path string
		args []string
		exit int
		want []string
	}{
		{"what's in stock in kitchen?", "/mcp", tool("get_inventory", "category=kitchen"), 0,
			[]string{`"name":"Chef's Knife","category":"kitchen","stock":7,"status":"in stock"`, `"units_in_stock":62`}},
		{"buy 2 keyboards for customer 1", "/mcp", tool("create_purchase", "customer=1", `items=[{"product_id":2,"quantity":2}]`), 0,
			[]string{`"customer_name":"Ada Lovelace"`, `"total_cents":17998,"total":"$179.98"`}},
		{"4 copies of a book with 3 left", "/sse", tool("create_purchase", "customer=grace@example.com", `items=[{"product_id":5,"quantity":4}]`), 5,
			[]string{`has only 3 left; asked for 4`}},
		{"an unknown product", "/mcp", tool("create_purchase", "customer=2", `items=[{"product_id":99,"quantity":1}]`), 5,
			[]string{"unknown product 99"}},
		{"zero of something", "/mcp", tool("create_purchase", "customer=2", `items=[{"product_id":1,"quantity":0}]`), 5,
			[]string{"quantity", "minimum 1"}},
		{"the orders and revenue", "/sse", tool("get_orders"), 0,
			[]string{`"summary":{"orders":1,"units":2,"revenue_cents":17998,"revenue":"$179.98"}`}},
		{"the electronics catalog", "/mcp", []string{"--method", "resources/read", "--uri", shop.CategoryURI("electronics")}, 0,
			[]string{`"name":"Mechanical Keyboard"`, `"stock":8`}},
	} {
		cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		cmd := exec.CommandContext(cctx, bin, append([]string{"--cli", base + q.path}, q.args...)...)
		cmd.Env = append(os.Environ(), "HOME="+home)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		cancel()
		if code := cmd.ProcessState.ExitCode(); code != q.exit {
			t.Fatalf("%s: exit %d (%v), want %d\n%s%s", q.ask, code, err, q.exit, stdout.Bytes(), stderr.Bytes())
		}
		// The result is the first JSON value printed; its text content (or resource text) is the answer.
		var res struct {
			Content []struct {
				Text string `json:"text"`
			} `json:"content"`
			Contents []struct {
				Text string `json:"text"`
			} `json:"contents"`
		}
		dec := jsontext.NewDecoder(bytes.NewReader(stdout.Bytes()))
		if err := json.UnmarshalDecode(dec, &res); err != nil {
			t.Fatalf("%s: %v in %s", q.ask, err, stdout.Bytes())
		}
		var text []string
		for _, c := range res.Content {
			text = append(text, c.Text)
		}
		for _, c := range res.Contents {
			text = append(text, c.Text)
		}
		got := strings.Join(text, "\n")
		for _, w := range q.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: the answer lacks %s:\n%s", q.ask, w, got)
			}
		}
	}
}
