package main

import "flag"

// update rewrites the golden files of the tests that compare output with testdata (verbs, config ls,
// inspect) instead of comparing: go test ./cmd/mcpkit -run X -update.
var update = flag.Bool("update", false, "rewrite the golden files under testdata instead of comparing")
