// Package redis implements every store interface on Redis (github.com/redis/go-redis/v9), so that several
// mcpkit nodes share sessions, the event log, the message bus and the key ring:
//
//   - Sessions (store.SessionStore): one string key per session holding its JSON, with a TTL refreshed by
//     every Load and Save (GETEX / SET XX: one round trip each).
//   - Events (store.EventStore): one Redis Stream per SSE stream, appended and trimmed by a Lua script (one
//     round trip); event ids are store.EventID(stream, seq) with the Redis entry id seq-0.
//   - Bus (store.Bus): Redis pub/sub over one connection per Bus, fanned out locally.
//   - Keys (store.KeyRing): a sorted set of keys shared by every node, cached locally, with rotation and a
//     grace period.
//   - Tasks (store.TaskStore): a hash per task expiring at CreatedAt+TTL, two sorted sets per owner (creation
//     order, expiry) kept by Lua scripts; the limit check and the create are one script, an update a
//     compare-and-set on the task's version.
//
// It needs Redis 6.2 or later (GETEX, exclusive XRANGE bounds); the tests run on 7.0. Every key starts with
// Options.Prefix. The keys one script touches share a hash tag ({session id}, {k}, {t}), as
// Redis Cluster requires; the tests run on a single redis-server only. docs/SCALING.md describes how the
// nodes use these pieces.
package redis
