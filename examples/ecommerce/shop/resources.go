package shop

import (
	"context"
	"errors"
	"strconv"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// The catalog resources. Why catalog://products/{category} and not catalog://products{?category}: a
// subscription names one exact URI, and a path segment gives each category exactly one (the query form
// has several spellings of the same filter: case, extra parameters, percent-encoding), and keeps the
// whole catalog a plain static resource of its own in resources/list.

// CatalogURI is the product_catalog resource: every product.
const CatalogURI = "catalog://products"

// CategoryTemplate is the product_catalog of one category (its slug).
const CategoryTemplate = "catalog://products/{category}"

// CategoryURI is the catalog URI of one category.
func CategoryURI(slug string) string { return CatalogURI + "/" + slug }

// ProductTemplate is one product.
const ProductTemplate = "catalog://product/{id}"

// ProductURI is the URI of one product.
func ProductURI(id int64) string { return "catalog://product/" + strconv.FormatInt(id, 10) }

func (h *handlers) addResources() {
	st := h.st
	catalog := func(ctx context.Context, category string) (string, error) {
		ps, err := st.Products(ctx, category)
		var nf *NotFoundError
		if errors.As(err, &nf) {
			return "", server.ErrResourceNotFound
		}
		if err != nil {
			return "", err
		}
		b, err := json.Marshal(ProductList{Products: ps})
		return string(b), err
	}
	server.AddResource(h.s, mcpResource(CatalogURI, "product_catalog", "Every product with price and stock (subscribe: updated when stock changes)"),
		func(ctx context.Context) (string, error) { return catalog(ctx, "") })
	server.AddResourceTemplate(h.s, mcpTemplate(CategoryTemplate, "product_catalog", "The products of one category (subscribe: updated when their stock changes)"),
		func(ctx context.Context, category string) (string, error) { return catalog(ctx, category) })
	server.AddResourceTemplate(h.s, mcpTemplate(ProductTemplate, "product", "One product with price and stock (subscribe: updated when its stock changes)"),
		func(ctx context.Context, id string) (string, error) {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				return "", server.ErrResourceNotFound
			}
			p, err := st.Product(ctx, n)
			var nf *NotFoundError
			if errors.As(err, &nf) {
				return "", server.ErrResourceNotFound
			}
			if err != nil {
				return "", err
			}
			b, err := json.Marshal(p)
			return string(b), err
		})
}

// stockChanged tells the subscribers of the catalog, of the categories and of the products of lines.
func (h *handlers) stockChanged(lines []Line) {
	h.s.ResourceUpdated(CatalogURI)
	seen := map[string]bool{}
	for _, l := range lines {
		if !seen[l.Category] {
			seen[l.Category] = true
			h.s.ResourceUpdated(CategoryURI(l.Category))
		}
		h.s.ResourceUpdated(ProductURI(l.ProductID))
	}
}

func mcpResource(uri, name, description string) mcp.Resource {
	return mcp.Resource{URI: uri, Name: name, Description: description, MimeType: "application/json"}
}

func mcpTemplate(tmpl, name, description string) mcp.ResourceTemplate {
	return mcp.ResourceTemplate{URITemplate: tmpl, Name: name, Description: description, MimeType: "application/json"}
}
