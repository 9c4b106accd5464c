# instantchat balancer image (web UI included), from the project's own .deb (Debian 12).
# Build context: packaging/  (after: cp build/instantchat-*.deb packaging/docker/debs/)
#   docker build -f packaging/docker/balancer.Dockerfile -t instantchat-balancer:0.1.0 packaging
FROM debian:bookworm-slim

ARG DEBIAN_FRONTEND=noninteractive
COPY docker/debs/ /tmp/debs/
# The image carries no cluster token (each deployment mounts its own secret).
# A fixed numeric uid (the package's postinst keeps an existing user), so that Kubernetes can
# check runAsNonRoot and mounted secrets can be given to it.
RUN set -eux; \
    groupadd --system --gid 10001 instantchat; \
    useradd --system --uid 10001 --gid instantchat --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin instantchat; \
    apt-get update; \
    apt-get install -y --no-install-recommends /tmp/debs/instantchat-balancer_*.deb; \
    rm -f /etc/instantchat/cluster-token; \
    rm -rf /tmp/debs /var/lib/apt/lists/*

USER 10001:10001
EXPOSE 8080
# HTTP/1.1 with a Host header (the balancer answers 400 to a request without one), healthy on a
# 200 status line. bash's /dev/tcp: no curl in the slim image.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${INSTANTCHAT_PORT:-8080} && printf 'GET /healthz HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q '^HTTP/1.1 200 '"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/instantchat-balancer", "--config", "/etc/instantchat/balancer.conf"]
CMD ["--bind", "0.0.0.0"]
