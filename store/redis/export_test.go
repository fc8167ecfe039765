package redis

// CountHook is countHook for the external test package (round trips per HTTP request, roundtrips_test.go).
type CountHook = countHook
