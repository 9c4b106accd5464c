# instantchat room server image, from the project's own .deb (Debian 12).
# Build context: packaging/  (after: cp build/instantchat-*.deb packaging/docker/debs/)
#   docker build -f packaging/docker/server.Dockerfile -t instantchat-server:0.1.0 packaging
# Configure with flags or INSTANTCHAT_<FLAG> variables; the cluster token as a file
# (INSTANTCHAT_CLUSTER_TOKEN_FILE=/run/secrets/cluster_token), never as a flag.
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
    apt-get install -y --no-install-recommends /tmp/debs/instantchat-server_*.deb; \
    rm -f /etc/instantchat/cluster-token; \
    rm -rf /tmp/debs /var/lib/apt/lists/*

USER 10001:10001
EXPOSE 8081
# bash's /dev/tcp: no curl in the slim image. /healthz is 200 only while the server is
# registered with its --balancer (503 "not registered: <reason>" otherwise), so `docker ps` shows
# a server that gets no rooms as unhealthy. HTTP/1.1 with Host, healthy on a 200 status line.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${INSTANTCHAT_PORT:-8081} && printf 'GET /healthz HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q '^HTTP/1.1 200 '"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/instantchat-server", "--config", "/etc/instantchat/server.conf"]
CMD ["--bind", "0.0.0.0"]
