# syntax=docker/dockerfile:1
#
# sidecar-injector image: a static (musl) binary on distroless/static, run as UID 65532.
#
#   docker build --build-arg VERSION="$(cargo pkgid | sed 's/.*[#@]//')" -t sidecar-injector .
#
# Releases (.github/workflows/release.yml) build it natively on amd64 and arm64 runners and
# publish one multi-arch image; the `binary` stage gives the same static binary as a file.
#
# The chart runs it as `sidecar-injector serve ...` (charts/sidecar-injector/templates/deployment.yaml).

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-alpine AS builder
# musl-dev: the C runtime ring's assembly and the static link need.
RUN apk add --no-cache musl-dev
WORKDIR /src
# .dockerignore lets only the crate's own sources in.
COPY . .
# Fully static, so the final image needs no libc. The caches keep the registry and target dir
# between builds; the binary is copied out of the cache mount in the same step.
ENV RUSTFLAGS="-C target-feature=+crt-static"
# `dist`: the release profile with whole-program LTO (Cargo.toml says why it is separate).
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --profile dist --locked --bin sidecar-injector \
 && install -D -m 0755 target/dist/sidecar-injector /out/sidecar-injector

# The bare binary, for release assets: `docker buildx build --target binary --output dist/ .`
FROM scratch AS binary
COPY --from=builder /out/sidecar-injector /sidecar-injector

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="sidecar-injector" \
      org.opencontainers.image.description="Drop-in Istio sidecar injector (mutating admission webhook and kube-inject)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=builder /out/sidecar-injector /usr/local/bin/sidecar-injector
# distroless's "nonroot" user; the chart's securityContext asks for the same IDs.
USER 65532:65532
# 15017: the webhook (TLS). 15014: admin (plain HTTP: /healthz, /readyz, /metrics).
EXPOSE 15017 15014
ENTRYPOINT ["/usr/local/bin/sidecar-injector"]
CMD ["serve"]
