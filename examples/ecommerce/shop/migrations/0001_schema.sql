-- The book's chapter 3 model: customers, categories, products, carts, orders and their items.
-- Money is in cents (integers: no rounding), times are RFC 3339 text written by the application.
-- {{id}} is the one dialect difference: an auto-numbered primary key (see dialect.go).
CREATE TABLE customers (
    id    {{id}},
    name  TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE
);

CREATE TABLE categories (
    id   {{id}},
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE products (
    id          {{id}},
    category_id BIGINT NOT NULL REFERENCES categories (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    price_cents BIGINT NOT NULL CHECK (price_cents >= 0),
    stock       BIGINT NOT NULL CHECK (stock >= 0)
);
CREATE INDEX products_category ON products (category_id);

CREATE TABLE cart_items (
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    product_id  BIGINT NOT NULL REFERENCES products (id),
    quantity    BIGINT NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (customer_id, product_id)
);

CREATE TABLE orders (
    id          {{id}},
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    total_cents BIGINT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX orders_customer ON orders (customer_id);

CREATE TABLE order_items (
    order_id         BIGINT NOT NULL REFERENCES orders (id),
    product_id       BIGINT NOT NULL REFERENCES products (id),
    quantity         BIGINT NOT NULL CHECK (quantity > 0),
    unit_price_cents BIGINT NOT NULL,
    PRIMARY KEY (order_id, product_id)
);
