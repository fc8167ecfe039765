// Package workload defines what every SDK under test serves and what the load generator sends: the two
// tools, their arguments and results, and the pre-encoded JSON-RPC bodies. Keeping it in one place is what
// makes the comparison fair: each SDK registers the same tools and is driven by the same bytes.
//
// It must not depend on any SDK: it is the contract they are all held to.
package workload
