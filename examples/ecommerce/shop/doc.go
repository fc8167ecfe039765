// Package shop is the e-commerce server of examples/ecommerce: the MCP book's chapter 3 store (customers,
// categories, products, carts, orders) and the seed's purchase flow (get_products, get_inventory,
// get_orders, create_purchase) on a real database, SQLite (modernc.org/sqlite, pure Go) or PostgreSQL
// (pgx), both through database/sql.
//
// Open connects and migrates (numbered SQL files embedded in the binary, each applied once, in order, in
// its own transaction, recorded in schema_migrations; the seed data is a migration). New returns the MCP
// server: its tools, the product_catalog resource and its per-category template, and
// notifications/resources/updated to the subscribers of the catalog URIs whenever stock changes.
//
// Purchases are transactions that take stock with one conditional UPDATE per product
// (stock = stock - q WHERE stock >= q): on PostgreSQL the row lock makes concurrent buyers of the last
// items wait and re-check, on SQLite BEGIN IMMEDIATE makes writers take turns, so no product is ever
// oversold on either.
package shop
