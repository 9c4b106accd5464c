#pragma once
// The flags instantchat-server and instantchat-balancer both take, declared once so that their
// names, defaults and --help sentences cannot drift apart between the two programs. Each program
// still reads the values into its own settings.

namespace ic::config {

class Configuration;

// --bind, --log-level, --trusted-proxies, --internal-peers, --cluster-token-file, --rate-limits,
// --tls-cert, --tls-key.
void declareCommonSettings(Configuration &c);

} // namespace ic::config
