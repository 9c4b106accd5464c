# Prometheus (Debian 12 package) with the instantchat scrape config and alert rules.
# Build context: packaging/
#   docker build -f packaging/docker/prometheus.Dockerfile -t instantchat-prometheus:0.1.0 packaging
# The balancer address comes from the build argument BALANCER (default balancer:8080).
FROM debian:bookworm-slim

ARG DEBIAN_FRONTEND=noninteractive
ARG BALANCER=balancer:8080
# A fixed numeric uid (Debian's package keeps an existing user), so that Kubernetes can check
# runAsNonRoot (k8s/monitoring.yaml runs it as 10002).
RUN set -eux; \
    groupadd --system --gid 10002 prometheus; \
    useradd --system --uid 10002 --gid prometheus --no-create-home --home-dir /var/lib/prometheus \
        --shell /usr/sbin/nologin prometheus; \
    apt-get update; \
    apt-get install -y --no-install-recommends prometheus; \
    rm -rf /var/lib/apt/lists/*
COPY prometheus/prometheus.yml prometheus/alerts.yml /etc/prometheus/
RUN sed -i "s|127.0.0.1:8080|${BALANCER}|g" /etc/prometheus/prometheus.yml \
    && promtool check config /etc/prometheus/prometheus.yml

USER 10002:10002
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus", "--config.file=/etc/prometheus/prometheus.yml", \
            "--storage.tsdb.path=/var/lib/prometheus/metrics2", "--web.listen-address=:9090"]
