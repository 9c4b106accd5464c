#!/bin/sh
# Renders the shipped gateway config for a container, then runs the command (nginx).
set -eu

public_host=${INSTANTCHAT_PUBLIC_HOST:-localhost}
balancer=${INSTANTCHAT_BALANCER:-balancer:8080}
resolver=${INSTANTCHAT_RESOLVER:-127.0.0.11}
tls_dir=/etc/instantchat-tls

if [ ! -s "$tls_dir/tls.crt" ] || [ ! -s "$tls_dir/tls.key" ]; then
    tls_dir=/run/instantchat-tls
    mkdir -p "$tls_dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=$public_host" \
        -addext "subjectAltName=DNS:$public_host" \
        -keyout "$tls_dir/tls.key" -out "$tls_dir/tls.crt" 2>/dev/null
    echo "gateway: no certificate mounted, using a self-signed one for $public_host" >&2
fi

token=""
if [ -r /run/secrets/cluster_token ]; then
    token=$(tr -d ' \r\n' </run/secrets/cluster_token)
fi
umask 077
printf 'map "" $instantchat_cluster_token { default "%s"; }\n' "$token" \
    >/etc/nginx/instantchat-cluster-token.conf

sed -e "s|server_name chat.example.org;|server_name $public_host;|" \
    -e "s|server 127.0.0.1:8080;|server $balancer;|" \
    -e "s|/etc/ssl/certs/instantchat-gateway.pem|$tls_dir/tls.crt|" \
    -e "s|/etc/ssl/private/instantchat-gateway.key|$tls_dir/tls.key|" \
    -e "s|# resolver 127.0.0.53 valid=30s ipv6=off;|resolver $resolver valid=10s ipv6=off;|" \
    /usr/share/instantchat/gateway/instantchat-gateway.conf >/etc/nginx/conf.d/instantchat-gateway.conf

nginx -t -q
exec "$@"
