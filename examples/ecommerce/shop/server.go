package shop

import (
	"context"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// The arguments of the tools.
type (
	// CategoryFilter is the optional category of products, get_products and get_inventory.
	CategoryFilter struct {
		Category string `json:"category,omitzero" jsonschema:"a category's slug or name (categories lists them); leave out for every category"`
	}
	// ProductRef names one product.
	ProductRef struct {
		ID int64 `json:"id" jsonschema:"description=the product's id,minimum=1"`
	}
	// CustomerRef names a customer.
	CustomerRef struct {
		Customer CustomerKey `json:"customer" jsonschema:"the customer's id (e.g. 1) or email; get-customers lists them"`
	}
	// CartAdd is the arguments of add-to-cart.
	CartAdd struct {
		Customer  CustomerKey `json:"customer" jsonschema:"the customer's id or email"`
		ProductID int64       `json:"product_id" jsonschema:"description=the product's id,minimum=1"`
		Quantity  int64       `json:"quantity,omitzero" jsonschema:"description=how many (default 1),minimum=1,maximum=1000"`
	}
	// OrdersFilter is the optional customer of get-orders and get_orders.
	OrdersFilter struct {
		Customer CustomerKey `json:"customer,omitzero" jsonschema:"a customer's id or email; leave out for every order"`
	}
	// PurchaseArgs is the arguments of create_purchase.
	PurchaseArgs struct {
		Customer CustomerKey `json:"customer" jsonschema:"the buyer: a customer's id (e.g. 1) or email; get-customers lists them"`
		Items    []Item      `json:"items" jsonschema:"what to buy: [{\"product_id\": 2, \"quantity\": 1}, …]; one product listed twice is added up"`
	}
	// StockArgs is the arguments of update_inventory.
	StockArgs struct {
		ProductID int64 `json:"product_id" jsonschema:"description=the product's id,minimum=1"`
		Stock     int64 `json:"stock" jsonschema:"description=the new number of items in stock,minimum=0"`
	}
)

// The results of the tools (structured content is an object).
type (
	// CategoryList is the result of categories.
	CategoryList struct {
		Categories []Category `json:"categories"`
	}
	// ProductList is the result of products and get_products.
	ProductList struct {
		Products []Product `json:"products"`
	}
	// CustomerList is the result of get-customers.
	CustomerList struct {
		Customers []Customer `json:"customers"`
	}
	// OrderList is the result of get-orders and get_orders: the orders and their totals.
	OrderList struct {
		Orders  []Order      `json:"orders"`
		Summary OrderSummary `json:"summary"`
	}
	// StockLine is one product of the inventory.
	StockLine struct {
		ProductID int64  `json:"product_id"`
		Name      string `json:"name"`
		Category  string `json:"category"`
		Stock     int64  `json:"stock"`
		Status    string `json:"status" jsonschema:"in stock, low (5 or fewer) or sold out"`
	}
	// Inventory is the result of get_inventory.
	Inventory struct {
		Items []StockLine `json:"items"`
		Units int64       `json:"units_in_stock"`
	}
)

// LowStock is the stock at and under which get_inventory says "low".
const LowStock = 5

// Options configures New.
type Options struct {
	// Server is passed to server.New; an empty Instructions gets the shop's.
	Server server.Options
}

// New returns the shop's MCP server on st. The tools, in the book's names and the seed's:
// products, product, categories, get-customers, get-cart, add-to-cart, place-order, get-orders;
// get_products, get_inventory, get_orders, create_purchase; and update_inventory (a delivery). The
// resources: catalog://products (product_catalog, every product) and catalog://products/{category}
// (one category). Whenever stock changes, the subscribers of both URIs that show the product are sent
// notifications/resources/updated.
func New(st *Store, opts *Options) *server.Server {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Server.Instructions == "" {
		o.Server.Instructions = "An online shop on a " + st.Dialect() + " database. Browse with categories, products (or get_products) and get_inventory; " +
			"buy with create_purchase (customer + items), or add-to-cart then place-order; get-orders/get_orders list orders with totals. " +
			"Prices are in cents (price_cents) and dollars (price). Failed purchases buy nothing and say why."
	}
	s := server.New("mcpkit-ecommerce", "0.1.0", &o.Server)
	h := &handlers{st: st, s: s}
	h.addBookTools()
	h.addSeedTools()
	h.addResources()
	return s
}

// handlers holds what the tool and resource handlers share.
type handlers struct {
	st *Store
	s  *server.Server
}

func (h *handlers) addBookTools() {
	s, st := h.s, h.st
	tool(s, "categories", "List the product categories, with how many products each has",
		func(ctx context.Context, _ struct{}) (CategoryList, error) {
			cs, err := st.Categories(ctx)
			return CategoryList{Categories: cs}, err
		})
	tool(s, "products", "List the products (price, stock), optionally of one category",
		func(ctx context.Context, in CategoryFilter) (ProductList, error) {
			ps, err := st.Products(ctx, in.Category)
			return ProductList{Products: ps}, err
		})
	tool(s, "product", "Show one product by id",
		func(ctx context.Context, in ProductRef) (*Product, error) { return st.Product(ctx, in.ID) })
	tool(s, "get-customers", "List the customers (id, name, email)",
		func(ctx context.Context, _ struct{}) (CustomerList, error) {
			cs, err := st.Customers(ctx)
			return CustomerList{Customers: cs}, err
		})
	tool(s, "get-cart", "Show a customer's cart and its total",
		func(ctx context.Context, in CustomerRef) (*Cart, error) { return st.Cart(ctx, string(in.Customer)) })
	tool(s, "add-to-cart", "Put a product in a customer's cart (no more than is in stock); place-order buys the cart",
		func(ctx context.Context, in CartAdd) (*Cart, error) {
			if in.Quantity == 0 {
				in.Quantity = 1
			}
			return st.AddToCart(ctx, string(in.Customer), in.ProductID, in.Quantity)
		})
	tool(s, "place-order", "Order everything in a customer's cart (all or nothing: stock is checked) and empty the cart",
		func(ctx context.Context, in CustomerRef) (*Order, error) {
			o, err := st.PlaceOrder(ctx, string(in.Customer))
			if err == nil {
				h.stockChanged(o.Items)
			}
			return o, err
		})
	tool(s, "get-orders", "List orders with their items and totals, of one customer or all",
		func(ctx context.Context, in OrdersFilter) (OrderList, error) { return h.orders(ctx, in) })
}

func (h *handlers) addSeedTools() {
	s, st := h.s, h.st
	tool(s, "get_products", "List the products with prices and stock, optionally of one category",
		func(ctx context.Context, in CategoryFilter) (ProductList, error) {
			ps, err := st.Products(ctx, in.Category)
			return ProductList{Products: ps}, err
		})
	tool(s, "get_inventory", "Current stock of every product, optionally of one category: in stock, low, or sold out",
		func(ctx context.Context, in CategoryFilter) (Inventory, error) {
			ps, err := st.Products(ctx, in.Category)
			if err != nil {
				return Inventory{}, err
			}
			inv := Inventory{Items: make([]StockLine, len(ps))}
			for i, p := range ps {
				status := "in stock"
				switch {
				case p.Stock == 0:
					status = "sold out"
				case p.Stock <= LowStock:
					status = "low"
				}
				inv.Items[i] = StockLine{ProductID: p.ID, Name: p.Name, Category: p.Category, Stock: p.Stock, Status: status}
				inv.Units += p.Stock
			}
			return inv, nil
		})
	tool(s, "get_orders", "List orders with their items, and totals (orders, units, revenue), of one customer or all",
		func(ctx context.Context, in OrdersFilter) (OrderList, error) { return h.orders(ctx, in) })
	tool(s, "create_purchase", "Buy products for a customer: checks the stock of every item, takes it and records the order "+
		"with its totals, all or nothing. Errors say what to change (unknown product, not enough stock and how many are left, bad quantity).",
		func(ctx context.Context, in PurchaseArgs) (*Order, error) {
			o, err := st.Purchase(ctx, string(in.Customer), in.Items)
			if err == nil {
				h.stockChanged(o.Items)
			}
			return o, err
		})
	tool(s, "update_inventory", "Set a product's stock (a delivery or a stock count)",
		func(ctx context.Context, in StockArgs) (*Product, error) {
			p, err := st.SetStock(ctx, in.ProductID, in.Stock)
			if err == nil {
				h.stockChanged([]Line{{ProductID: p.ID, Category: p.Category}})
			}
			return p, err
		})
}

func (h *handlers) orders(ctx context.Context, in OrdersFilter) (OrderList, error) {
	os, err := h.st.Orders(ctx, string(in.Customer))
	return OrderList{Orders: os, Summary: Summarize(os)}, err
}

// tool registers a typed tool whose input schema is In's, with customer typed string or integer
// (inputSchema); a schema that cannot be inferred is left to AddTool, which reports it (Server.Err).
func tool[In, Out any](s *server.Server, name, description string, fn func(context.Context, In) (Out, error)) {
	def := mcp.Tool{Name: name, Description: description}
	if in, err := inputSchema[In](); err == nil {
		def.InputSchema = in
	}
	server.AddTool(s, def, fn)
}
