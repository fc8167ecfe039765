-- The seed data: three categories, eight products (one sold out, one nearly), three customers.
INSERT INTO categories (slug, name) VALUES
    ('electronics', 'Electronics'),
    ('books', 'Books'),
    ('kitchen', 'Kitchen');

INSERT INTO products (category_id, name, description, price_cents, stock) VALUES
    ((SELECT id FROM categories WHERE slug = 'electronics'), 'Wireless Mouse', 'Two-button mouse, USB receiver, 18 months on one AA battery', 2499, 25),
    ((SELECT id FROM categories WHERE slug = 'electronics'), 'Mechanical Keyboard', 'Tenkeyless, brown switches, USB-C', 8999, 10),
    ((SELECT id FROM categories WHERE slug = 'electronics'), 'USB-C Hub', 'Seven ports: HDMI, three USB-A, SD, microSD, 100 W pass-through', 3499, 0),
    ((SELECT id FROM categories WHERE slug = 'books'), 'The Go Programming Language', 'Donovan and Kernighan', 3999, 12),
    ((SELECT id FROM categories WHERE slug = 'books'), 'Designing Data-Intensive Applications', 'Kleppmann', 4599, 3),
    ((SELECT id FROM categories WHERE slug = 'kitchen'), 'Chef''s Knife', '20 cm, stainless steel', 5999, 7),
    ((SELECT id FROM categories WHERE slug = 'kitchen'), 'Espresso Cups', 'Set of four, porcelain', 1999, 40),
    ((SELECT id FROM categories WHERE slug = 'kitchen'), 'French Press', '1 litre, glass and steel', 2999, 15);

INSERT INTO customers (name, email) VALUES
    ('Ada Lovelace', 'ada@example.com'),
    ('Alan Turing', 'alan@example.com'),
    ('Grace Hopper', 'grace@example.com');
