# The mcpkit binary as a container image: a static, non-root image with nothing but the binary and the CA
# certificates (for --redis with rediss://, --auth-issuer over https and OTLP export).
#
#   docker build -t mcpkit .            (or: buildah bud -t mcpkit .)
#   docker run -p 8080:8080 mcpkit      → the demo server on http://localhost:8080/mcp
#
# It listens on :8080 and accepts any Host header (--any-host): in a cluster the ingress or load balancer in
# front decides which names reach it. Running it on a workstation port published to the LAN, pass
# --allowed-host instead. Probes: GET /healthz (liveness) and /readyz (readiness), docs/DEPLOYMENT.md.
# deploy/image_test.go builds this file's final stage with buildah and runs the image.

# --- build: a Go toolchain compiles the static binary (deploy/build-static.sh: CGO_ENABLED=0, -trimpath).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN deploy/build-static.sh /out/mcpkit

# --- the image: scratch (no shell, no package manager, no libc), the nonroot user of distroless (65532).
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/mcpkit /mcpkit
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/mcpkit"]
CMD ["serve", "--addr", ":8080", "--any-host"]
