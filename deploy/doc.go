// Package deploy holds no code: it is the Go module of the deployment files' tests. The files themselves
// (the repository's Dockerfile, kubernetes/, cloudrun/) are checked here offline — the Kubernetes manifests
// strictly decoded into the API's own types and cross-checked against each other and against the flags
// and endpoints of the binary they run; the image built from the Dockerfile's final stage with buildah and
// run. A module of its own keeps the Kubernetes API types out of mcpkit's go.mod.
package deploy
