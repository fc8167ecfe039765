// Package storetest holds behavioural tests that every implementation of the store interfaces must pass.
// The memory implementations run them in store's tests; any other implementation should run the same.
package storetest
