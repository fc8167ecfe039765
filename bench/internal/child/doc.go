// Package child runs the server under test in its own process and reads that process's counters, so
// the load generator's allocations, CPU time and memory never mix with the server's. The parent starts
// the harness binary again with a serve-* subcommand (Start); the child announces its addresses on
// stderr and answers GET requests for its Stats on a side listener (Serve).
//
// It must not know what the child serves: that is package cli's business.
package child
