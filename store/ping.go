package store

import "context"

// Pinger is implemented by a store that lives outside the process and can say whether it answers now
// (store/redis's Store): readiness probes (package health) call it, bounded by ctx. The memory stores
// have nothing to reach and do not implement it.
type Pinger interface {
	Ping(ctx context.Context) error
}
