package shop_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/ecommerce/shop"
	"github.com/mcpkit/mcpkit/mcp"
)

// question is one of the seed's questions, asked through a tool: the answer must contain every want
// string (or, for an error result, say why).
type question struct {
	ask   string
	tool  string
	args  any
	isErr bool
	want  []string
	not   []string // strings the answer must not contain
}

// items builds create_purchase's items from product id, quantity pairs.
func items(pairs ...int) []map[string]int {
	var its []map[string]int
	for i := 0; i+1 < len(pairs); i += 2 {
		its = append(its, map[string]int{"product_id": pairs[i], "quantity": pairs[i+1]})
	}
	return its
}

// questions are asked in order, on one database: the later ones see what the earlier ones bought.
var questions = []question{
	{ask: "what categories are there?", tool: "categories", args: map[string]any{},
		want: []string{`"slug":"electronics"`, `"slug":"books"`, `"slug":"kitchen"`, `"product_count":3`}},
	{ask: "who are the customers?", tool: "get-customers", args: map[string]any{},
		want: []string{`"id":1,"name":"Ada Lovelace","email":"ada@example.com"`, `"id":3,"name":"Grace Hopper"`}},
	{ask: "what's in stock in Kitchen?", tool: "get_inventory", args: map[string]any{"category": "Kitchen"},
		want: []string{`"name":"Chef's Knife","category":"kitchen","stock":7,"status":"in stock"`, `"name":"Espresso Cups"`, `"units_in_stock":62`},
		not:  []string{"Mouse", "electronics"}},
	{ask: "what's running low in books?", tool: "get_inventory", args: map[string]any{"category": "books"},
		want: []string{`"product_id":5,"name":"Designing Data-Intensive Applications","category":"books","stock":3,"status":"low"`}},
	{ask: "is the USB-C Hub available?", tool: "product", args: map[string]any{"id": 3},
		want: []string{`"name":"USB-C Hub"`, `"stock":0`, `"in_stock":false`}},
	{ask: "what electronics do you sell, at what price?", tool: "get_products", args: map[string]any{"category": "electronics"},
		want: []string{`"id":1,"name":"Wireless Mouse"`, `"price_cents":2499,"price":"$24.99"`, `"id":2,"name":"Mechanical Keyboard"`, `"id":3,"name":"USB-C Hub"`},
		not:  []string{"Knife"}},
	{ask: "the book's catalog, every product", tool: "products", args: map[string]any{},
		want: []string{`"id":1,`, `"id":8,"name":"French Press"`}},
	{ask: "buy 2 Mechanical Keyboards for Ada", tool: "create_purchase",
		args: map[string]any{"customer": "ada@example.com", "items": items(2, 2)},
		want: []string{`"order_id":1,"customer_id":1,"customer_name":"Ada Lovelace"`, `"quantity":2,"unit_price_cents":8999,"line_total_cents":17998`, `"units":2,"total_cents":17998,"total":"$179.98"`}},
	{ask: "how many keyboards are left?", tool: "product", args: map[string]any{"id": 2}, want: []string{`"stock":8`}},
	{ask: "a mouse, two cups and another mouse for Alan (customer 2)", tool: "create_purchase",
		args: map[string]any{"customer": "2", "items": items(1, 1, 7, 2, 1, 1)},
		want: []string{`"product_id":1,"name":"Wireless Mouse","category":"electronics","quantity":2,"unit_price_cents":2499,"line_total_cents":4998`,
			`"product_id":7,"name":"Espresso Cups","category":"kitchen","quantity":2,"unit_price_cents":1999,"line_total_cents":3998`,
			`"units":4,"total_cents":8996,"total":"$89.96"`}},
	{ask: "buy product 99", tool: "create_purchase", args: map[string]any{"customer": "1", "items": items(99, 1)},
		isErr: true, want: []string{"unknown product 99", "get_products"}},
	{ask: "buy 4 copies of DDIA (3 left)", tool: "create_purchase", args: map[string]any{"customer": "1", "items": items(4, 1, 5, 4)},
		isErr: true, want: []string{"not enough stock", `"Designing Data-Intensive Applications" (product 5) has only 3 left; asked for 4`, "Nothing was bought"}},
	{ask: "the Go book was not bought with it: all or nothing", tool: "product", args: map[string]any{"id": 4}, want: []string{`"stock":12`}},
	{ask: "buy the sold-out hub", tool: "create_purchase", args: map[string]any{"customer": "1", "items": items(3, 1)},
		isErr: true, want: []string{`"USB-C Hub" (product 3) is sold out`}},
	{ask: "buy zero mice", tool: "create_purchase", args: map[string]any{"customer": "1", "items": items(1, 0)},
		isErr: true, want: []string{"quantity", "minimum 1"}},
	{ask: "buy a negative number of mice", tool: "create_purchase", args: map[string]any{"customer": "1", "items": items(1, -3)},
		isErr: true, want: []string{"quantity"}},
	{ask: "buy nothing", tool: "create_purchase", args: map[string]any{"customer": "1", "items": []any{}},
		isErr: true, want: []string{"at least one item"}},
	{ask: "buy for a stranger", tool: "create_purchase", args: map[string]any{"customer": "nobody@example.com", "items": items(1, 1)},
		isErr: true, want: []string{`unknown customer "nobody@example.com"`, "get-customers"}},
	{ask: "toys?", tool: "get_products", args: map[string]any{"category": "toys"},
		isErr: true, want: []string{`unknown category "toys"`, "electronics, books, kitchen"}},
	{ask: "Grace puts two knives in her cart", tool: "add-to-cart", args: map[string]any{"customer": "grace@example.com", "product_id": 6, "quantity": 2},
		want: []string{`"customer_id":3`, `"product_id":6`, `"total_cents":11998,"total":"$119.98"`}},
	{ask: "and one more", tool: "add-to-cart", args: map[string]any{"customer": "3", "product_id": 6},
		want: []string{`"quantity":3`, `"total_cents":17997`}},
	{ask: "more knives than there are", tool: "add-to-cart", args: map[string]any{"customer": "3", "product_id": 6, "quantity": 5},
		isErr: true, want: []string{"has only 7 left; asked for 8"}},
	{ask: "what is in Grace's cart?", tool: "get-cart", args: map[string]any{"customer": "3"},
		want: []string{`"units":3,"total_cents":17997,"total":"$179.97"`}},
	{ask: "Grace places her order", tool: "place-order", args: map[string]any{"customer": "3"},
		want: []string{`"order_id":3,"customer_id":3,"customer_name":"Grace Hopper"`, `"total_cents":17997`}},
	{ask: "her cart is empty now", tool: "get-cart", args: map[string]any{"customer": "3"},
		want: []string{`"items":[]`, `"total_cents":0`}},
	{ask: "placing an empty cart", tool: "place-order", args: map[string]any{"customer": "3"},
		isErr: true, want: []string{"cart of customer 3 is empty"}},
	{ask: "Grace's orders", tool: "get-orders", args: map[string]any{"customer": "grace@example.com"},
		want: []string{`"order_id":3`, `"summary":{"orders":1,"units":3,"revenue_cents":17997`}, not: []string{"Ada"}},
	{ask: "all orders, with revenue", tool: "get_orders", args: map[string]any{},
		want: []string{`"summary":{"orders":3,"units":9,"revenue_cents":44991,"revenue":"$449.91"}`}},
	{ask: "a delivery of 10 hubs", tool: "update_inventory", args: map[string]any{"product_id": 3, "stock": 10},
		want: []string{`"stock":10,"in_stock":true`}},
}

// TestShop runs every test on both databases.
func TestShop(t *testing.T) {
	onEachDatabase(t, map[string]func(*testing.T, *shop.Store, dbEnv){
		"questions":       testQuestions,
		"oversell":        testOversell,
		"updated":         testUpdated,
		"migrations":      testMigrations,
		"concurrent-open": testConcurrentOpen,
		"resources":       testResources,
	})
}

// testQuestions asks the seed's questions through the tools, in turn from a legacy session and a
// 2026-07-28 client.
func testQuestions(t *testing.T, st *shop.Store, _ dbEnv) {
	s := serve(t, st)
	sessions := []*client.Session{connect(t, s, eras[0], client.Options{}), connect(t, s, eras[1], client.Options{})}
	for i, q := range questions {
		got, isErr := call(t, sessions[i%2], q.tool, q.args)
		if isErr != q.isErr {
			t.Errorf("%s (%s): isError %v, want %v: %s", q.ask, q.tool, isErr, q.isErr, got)
			continue
		}
		for _, w := range q.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s (%s): the answer lacks %s:\n%s", q.ask, q.tool, w, got)
			}
		}
		for _, n := range q.not {
			if strings.Contains(got, n) {
				t.Errorf("%s (%s): the answer has %s:\n%s", q.ask, q.tool, n, got)
			}
		}
	}
}

// testOversell: 50 concurrent create_purchase calls for one item each of the last 10 → exactly 10 orders,
// stock 0, and 40 error results that say the product is sold out or how many are left.
func testOversell(t *testing.T, st *shop.Store, _ dbEnv) {
	ctx := context.Background()
	if _, err := st.SetStock(ctx, 2, 10); err != nil {
		t.Fatal(err)
	}
	s := serve(t, st)
	var sessions []*client.Session
	for i := range 5 {
		sessions = append(sessions, connect(t, s, eras[i%2], client.Options{}))
	}
	type outcome struct {
		text  string
		isErr bool
	}
	out := make([]outcome, 50)
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() {
			customer := []string{"1", "2", "3"}[i%3]
			res, err := sessions[i%len(sessions)].CallTool(ctx, "create_purchase", map[string]any{"customer": customer, "items": items(2, 1)})
			if err != nil {
				t.Errorf("call %d: %v", i, err)
				return
			}
			out[i] = outcome{res.Content[0].Text, res.IsError}
		})
	}
	wg.Wait()
	sold, refused := 0, 0
	for i, o := range out {
		switch {
		case !o.isErr:
			sold++
		case strings.Contains(o.text, `"Mechanical Keyboard" (product 2) is sold out`) || strings.Contains(o.text, "left; asked for 1"):
			refused++
		default:
			t.Errorf("call %d: an error that does not say why: %s", i, o.text)
		}
	}
	p, err := st.Product(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	orders, err := st.Orders(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	sum := shop.Summarize(orders)
	if sold != 10 || refused != 40 || p.Stock != 0 || sum.Orders != 10 || sum.Units != 10 || sum.RevenueCents != 10*8999 {
		t.Fatalf("sold %d, refused %d, stock left %d, orders %+v; want 10 sold, 40 refused, 0 left, 10 orders of 1 unit", sold, refused, p.Stock, sum)
	}
}

// testUpdated: a purchase sends notifications/resources/updated for the catalog, the category and the
// product bought to the sessions subscribed to them (legacy resources/subscribe and 2026-07-28
// subscriptions/listen), and nothing for another category.
func testUpdated(t *testing.T, st *shop.Store, _ dbEnv) {
	s := serve(t, st)
	subscribed := []string{shop.CatalogURI, shop.CategoryURI("electronics"), shop.CategoryURI("books"), shop.ProductURI(1), shop.ProductURI(4)}
	want := []string{shop.CatalogURI, shop.CategoryURI("electronics"), shop.ProductURI(1)}
	for _, version := range eras {
		t.Run(version, func(t *testing.T) {
			got := make(chan string, 16)
			sess := connect(t, s, version, client.Options{OnResourceUpdated: func(_ context.Context, uri string) { got <- uri }})
			lctx, stop := context.WithCancel(context.Background())
			ready := make(chan struct{})
			done := make(chan error, 1)
			go func() {
				done <- sess.Listen(lctx, mcp.SubscriptionFilter{ResourceSubscriptions: subscribed}, func(mcp.SubscriptionFilter) { close(ready) })
			}()
			defer func() { stop(); <-done }()
			select {
			case <-ready:
			case err := <-done:
				t.Fatalf("listen: %v", err)
			case <-time.After(10 * time.Second):
				t.Fatal("the subscription was not acknowledged")
			}
			buyer := connect(t, s, mcp.Version20260728, client.Options{})
			if text, isErr := call(t, buyer, "create_purchase", map[string]any{"customer": "1", "items": items(1, 1)}); isErr {
				t.Fatal(text)
			}
			seen := map[string]bool{}
			for len(seen) < len(want) {
				select {
				case uri := <-got:
					seen[uri] = true
				case <-time.After(10 * time.Second):
					t.Fatalf("after a purchase of product 1, updates for %v, want %v", seen, want)
				}
			}
			// A refused purchase changes nothing and notifies nothing; a purchase in books does.
			if text, isErr := call(t, buyer, "create_purchase", map[string]any{"customer": "1", "items": items(3, 1)}); !isErr {
				t.Fatalf("bought a sold-out product: %s", text)
			}
			if text, isErr := call(t, buyer, "create_purchase", map[string]any{"customer": "1", "items": items(4, 1)}); isErr {
				t.Fatal(text)
			}
			for _, uri := range want {
				delete(seen, uri)
			}
			for len(seen) < 3 {
				select {
				case uri := <-got:
					seen[uri] = true
				case <-time.After(10 * time.Second):
					t.Fatalf("after a purchase of product 4, updates for %v", seen)
				}
			}
			for _, uri := range []string{shop.CatalogURI, shop.CategoryURI("books"), shop.ProductURI(4)} {
				if !seen[uri] {
					t.Fatalf("after a purchase of product 4, updates for %v, want %s among them", seen, uri)
				}
			}
			if seen[shop.CategoryURI("electronics")] || seen[shop.ProductURI(1)] {
				t.Fatalf("updates for what did not change: %v", seen)
			}
		})
	}
}

// testMigrations: the schema is at the newest migration; opening the database again (a restart, or a
// second process) applies nothing and keeps what was bought.
func testMigrations(t *testing.T, st *shop.Store, db dbEnv) {
	ctx := context.Background()
	v, err := st.SchemaVersion(ctx)
	if err != nil || v != 2 {
		t.Fatalf("schema version %d, %v; want 2", v, err)
	}
	if _, err := st.Purchase(ctx, "1", []shop.Item{{ProductID: 1, Quantity: 3}}); err != nil {
		t.Fatal(err)
	}
	again := open(t, db.dsn)
	if v, err := again.SchemaVersion(ctx); err != nil || v != 2 {
		t.Fatalf("reopened: schema version %d, %v; want 2", v, err)
	}
	ps, err := again.Products(ctx, "")
	if err != nil || len(ps) != 8 || ps[0].Stock != 22 {
		t.Fatalf("reopened: %+v (%v); want the seed's 8 products once, 25-3 mice left", ps, err)
	}
	orders, err := again.Orders(ctx, "")
	if err != nil || len(orders) != 1 {
		t.Fatalf("reopened: %d orders, %v", len(orders), err)
	}
}

// testResources: product_catalog lists every product, its template one category; unknown ones are
// resource-not-found errors.
func testResources(t *testing.T, st *shop.Store, _ dbEnv) {
	s := serve(t, st)
	for _, version := range eras {
		t.Run(version, func(t *testing.T) {
			sess := connect(t, s, version, client.Options{})
			ctx := context.Background()
			read := func(uri string) shop.ProductList {
				t.Helper()
				res, err := sess.ReadResource(ctx, uri)
				if err != nil {
					t.Fatalf("read %s: %v", uri, err)
				}
				var pl shop.ProductList
				if err := json.Unmarshal([]byte(res.Contents[0].Text), &pl); err != nil || res.Contents[0].MimeType != "application/json" {
					t.Fatalf("read %s: %v (%s)", uri, err, res.Contents[0].MimeType)
				}
				return pl
			}
			if all := read(shop.CatalogURI); len(all.Products) != 8 {
				t.Fatalf("catalog: %d products", len(all.Products))
			}
			books := read(shop.CategoryURI("books"))
			if len(books.Products) != 2 || books.Products[0].Category != "books" {
				t.Fatalf("books: %+v", books)
			}
			for _, uri := range []string{shop.CategoryURI("toys"), "catalog://product/99", "catalog://product/x"} {
				if _, err := sess.ReadResource(ctx, uri); err == nil {
					t.Fatalf("read %s: no error", uri)
				}
			}
			tmpls, err := sess.ListResourceTemplates(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tm := range tmpls.ResourceTemplates {
				names = append(names, tm.Name+"="+tm.URITemplate)
			}
			if !strings.Contains(strings.Join(names, " "), "product_catalog="+shop.CategoryTemplate) {
				t.Fatalf("templates %v", names)
			}
		})
	}
}

// TestCustomerAsNumber: customer may be a number (the Inspector CLI and many models type "1" as 1) or a
// string; the schema says both, and anything else is refused before the handler.
func TestCustomerAsNumber(t *testing.T) {
	st := open(t, "sqlite::memory:")
	s := serve(t, st)
	sess := connect(t, s, mcp.Version20260728, client.Options{})
	tools, err := sess.ListTools(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tl := range tools.Tools {
		if tl.Name == "create_purchase" && !strings.Contains(string(tl.InputSchema), `"customer":{"description":"the buyer: a customer's id (e.g. 1) or email; get-customers lists them","type":["string","integer"]}`) {
			t.Fatalf("create_purchase input schema: %s", tl.InputSchema)
		}
	}
	for _, c := range []any{1, "1", "ada@example.com"} {
		if text, isErr := call(t, sess, "get-cart", map[string]any{"customer": c}); isErr || !strings.Contains(text, `"customer_id":1`) {
			t.Fatalf("get-cart customer=%#v: %s", c, text)
		}
	}
	for _, c := range []any{1.5, true, map[string]any{}} {
		if text, isErr := call(t, sess, "get-cart", map[string]any{"customer": c}); !isErr || !strings.Contains(text, "customer") {
			t.Fatalf("get-cart customer=%#v: %s (isError %v)", c, text, isErr)
		}
	}
}

// testConcurrentOpen: four processes starting at once on a new database (here four Stores) all come up,
// and each migration runs once: the seed is there once.
func testConcurrentOpen(t *testing.T, _ *shop.Store, db dbEnv) {
	dsn := db.fresh(t)
	stores := make([]*shop.Store, 4)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = shop.Open(context.Background(), dsn) })
	}
	wg.Wait()
	for i, st := range stores {
		if st != nil {
			t.Cleanup(func() { st.Close() })
		}
		if errs[i] != nil {
			t.Fatalf("store %d: %v", i, errs[i])
		}
	}
	cs, err := stores[3].Customers(context.Background())
	if err != nil || len(cs) != 3 {
		t.Fatalf("%d customers, %v; want the seed's 3", len(cs), err)
	}
}
