# instantchat gateway image: Debian's nginx with packaging/nginx/instantchat-gateway.conf.
# Build context: packaging/
#   docker build -f packaging/docker/gateway.Dockerfile -t instantchat-gateway:0.1.0 packaging
# At start (gateway-entrypoint.sh): server_name and balancer address from INSTANTCHAT_PUBLIC_HOST
# and INSTANTCHAT_BALANCER, Docker's DNS as resolver (servers are advertised by service name),
# the cluster token from /run/secrets/cluster_token, and a self-signed certificate unless
# /etc/instantchat-tls/tls.crt and tls.key are mounted.
FROM debian:bookworm-slim

ARG DEBIAN_FRONTEND=noninteractive
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends nginx openssl; \
    rm -f /etc/nginx/sites-enabled/default; \
    rm -rf /var/lib/apt/lists/*
COPY nginx/instantchat-gateway.conf /usr/share/instantchat/gateway/instantchat-gateway.conf
COPY nginx/instantchat-proxy-params.conf /etc/nginx/instantchat-proxy-params.conf
COPY docker/gateway-entrypoint.sh /usr/local/bin/gateway-entrypoint.sh

EXPOSE 80 443
STOPSIGNAL SIGQUIT
ENTRYPOINT ["/usr/local/bin/gateway-entrypoint.sh"]
CMD ["nginx", "-g", "daemon off;"]
