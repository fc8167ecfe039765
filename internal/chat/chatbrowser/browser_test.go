package chatbrowser

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/ecommerce/shop"
	"github.com/mcpkit/mcpkit/internal/chat"
	"github.com/mcpkit/mcpkit/internal/chat/chattest"
	"github.com/mcpkit/mcpkit/internal/exampletest"
	"github.com/mcpkit/mcpkit/mcp"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// chromium finds the browser: $CHROMIUM, else chromium on PATH. Missing, the test is skipped, or fails
// with CI=true.
func chromium(t *testing.T) string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (apt-get install chromium); CI=true needs the browser test")
	}
	t.Skip("chromium is not installed: the browser test is skipped")
	return ""
}

// artifacts is where the screenshot goes: $MCPKIT_TEST_ARTIFACTS when set, else a temporary directory.
func artifacts(t *testing.T) string {
	if d := os.Getenv("MCPKIT_TEST_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// script plays the model: a question about stock calls shop__get_inventory, a request for a haiku calls
// poet__haiku (which samples: the sampling request, without tools, is answered with a line of verse),
// "Greet me" calls poet__greet (which elicits); a tool's result is quoted back as the answer.
func script(n int, r *chattest.Request) chattest.Message {
	last := r.Last()
	switch {
	case len(r.Tools) == 0:
		return chattest.Answer("green leaves in hot water")
	case last.Role == "tool" && strings.Contains(last.Text(), "units_in_stock"):
		return chattest.Answer("Books in stock: The Go Programming Language (12) and Designing Data-Intensive Applications (3).")
	case last.Role == "tool":
		return chattest.Answer("The tool says: " + last.Text())
	case strings.Contains(last.Text(), "Greet"):
		return chattest.Calls(chattest.Call("g1", "poet__greet", `{}`))
	case strings.Contains(last.Text(), "haiku"):
		return chattest.Calls(chattest.Call("h1", "poet__haiku", `{"topic":"tea"}`))
	}
	return chattest.Calls(chattest.Call("c1", "shop__get_inventory", `{"category":"books"}`))
}

// TestBrowser: in headless Chromium, the page lists the servers' tools; a question shows the
// get_inventory call, its result and the answer; a haiku request shows the sampling approval dialog,
// and once it is approved the answer holds the model's verse; a greeting shows the server's form as a
// dialog, and what is typed in it reaches the server. A screenshot is kept.
func TestBrowser(t *testing.T) {
	bin := chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	e := chattest.Start(t, script)
	w := chat.NewWeb()
	c, err := chat.New(w.Options(chat.Options{BaseURL: e.URL, Model: "scripted"}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st, err := shop.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sh := shop.New(st, nil)
	defer sh.Close()
	if err := c.Add(ctx, "shop", exampletest.Connect(t, sh, mcp.Version20251125, c.ClientOptions("shop", client.Options{}))); err != nil {
		t.Fatal(err)
	}
	if err := c.Add(ctx, "poet", exampletest.Connect(t, chattest.Poet(), mcp.Version20251125, c.ClientOptions("poet", client.Options{}))); err != nil {
		t.Fatal(err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- w.Serve(sctx, c, ln) }()
	defer func() {
		stop()
		if err := <-served; err != nil {
			t.Error(err)
		}
	}()
	page := w.URL(ln.Addr())

	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root in a container
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 860),
	)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()

	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	if err := chromedp.Do(bctx,
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS(`.server`)),
		chromedp.SendKeys(chromedp.CSS(`#text`), "What's in stock in books?"),
		chromedp.Click(chromedp.CSS(`#send`)),
		chromedp.WaitVisible(chromedp.CSS(`.call .result`)),
		chromedp.WaitVisible(chromedp.CSS(`.msg.assistant`)),
	); err != nil {
		t.Fatal(err)
	}
	tools, summary, result, answer := text(`#servers`), text(`.call summary`), text(`.call .result`), text(`.msg.assistant`)
	for _, want := range []string{"shop (13 tools)", "shop__get_inventory", "poet (2 tools)", "poet__haiku", "poet__greet"} {
		if !strings.Contains(tools, want) {
			t.Errorf("the tool list lacks %q: %q", want, tools)
		}
	}
	if !strings.Contains(summary, `shop__get_inventory {"category":"books"}`) || !strings.Contains(summary, "✓") {
		t.Errorf("tool call: %q", summary)
	}
	if !strings.Contains(result, "The Go Programming Language") {
		t.Errorf("tool result: %q", result)
	}
	if !strings.Contains(answer, "Books in stock: The Go Programming Language (12)") {
		t.Errorf("answer: %q", answer)
	}

	// Sampling: the dialog shows the server's request; approving it lets the model answer.
	if err := chromedp.Do(bctx,
		chromedp.WaitEnabled(chromedp.CSS(`#send`)),
		chromedp.SendKeys(chromedp.CSS(`#text`), "Write me a haiku about tea"),
		chromedp.Click(chromedp.CSS(`#send`)),
		chromedp.WaitVisible(chromedp.CSS(`dialog[open] pre`)),
	); err != nil {
		t.Fatal(err)
	}
	request := text(`dialog[open] pre`)
	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS(`dialog[open] button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`.msg.assistant ~ .msg.assistant`)),
	); err != nil {
		t.Fatal(err)
	}
	haiku := text(`.msg.assistant ~ .msg.assistant`)
	// Elicitation: the form is a dialog; its answer reaches the server.
	if err := chromedp.Do(bctx,
		chromedp.WaitEnabled(chromedp.CSS(`#send`)),
		chromedp.SendKeys(chromedp.CSS(`#text`), "Greet me"),
		chromedp.Click(chromedp.CSS(`#send`)),
		chromedp.WaitVisible(chromedp.CSS(`dialog[open] #f-name`)),
	); err != nil {
		t.Fatal(err)
	}
	form := text(`dialog[open]`)
	// Sent without the required name, the form stays open and says why.
	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS(`dialog[open] button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`dialog[open] .problem:not(:empty)`)),
	); err != nil {
		t.Fatal(err)
	}
	if problem := text(`dialog[open] .problem`); !strings.Contains(problem, "name") {
		t.Errorf("the form's complaint: %q", problem)
	}
	if err := chromedp.Do(bctx,
		chromedp.SendKeys(chromedp.CSS(`dialog[open] #f-name`), "Ada"),
		chromedp.SendKeys(chromedp.CSS(`dialog[open] #f-cups`), "3"),
	); err != nil {
		t.Fatal(err)
	}
	dir := artifacts(t)
	formPNG, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	save(t, filepath.Join(dir, "chat-web-form.png"), formPNG)
	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS(`dialog[open] button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`.msg.assistant ~ .msg.assistant ~ .msg.assistant`)),
	); err != nil {
		t.Fatal(err)
	}
	greeting := text(`.msg.assistant ~ .msg.assistant ~ .msg.assistant`)
	for _, want := range []string{"poet asks", "Who are you?", "Your name *", "Cups of tea"} {
		if !strings.Contains(form, want) {
			t.Errorf("the form lacks %q: %q", want, form)
		}
	}
	if greeting != `The tool says: {"result":"Hello Ada, 3 cups"}` {
		t.Errorf("greeting: %q", greeting)
	}
	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if request != "user: Write a haiku about tea" {
		t.Errorf("the sampling dialog shows %q", request)
	}
	if haiku != `The tool says: {"result":"green leaves in hot water"}` {
		t.Errorf("haiku answer: %q", haiku)
	}
	save(t, filepath.Join(dir, "chat-web.png"), png)
}

// save writes a screenshot and logs its path.
func save(t *testing.T, path string, png []byte) {
	t.Helper()
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(png))
}
