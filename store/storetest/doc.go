// Package storetest holds behavioural tests that every implementation of the store interfaces must pass.
// The memory implementations run them in store's tests; store/redis runs the same against a real server.
package storetest
