// SHA-256 and HMAC-SHA-256 over OpenSSL's EVP API, for SigV4. OpenSSL types stay in the .cpp.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace gantry::cloudprovider::aws {

using Digest = std::array<std::uint8_t, 32>;

Digest sha256(std::string_view data);
Digest hmacSha256(std::string_view key, std::string_view data);
inline Digest hmacSha256(const Digest& key, std::string_view data) {
  return hmacSha256(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()), data);
}
// Lowercase hex, as SigV4 writes hashes and signatures.
std::string hexEncode(const Digest& digest);
inline std::string sha256Hex(std::string_view data) {
  return hexEncode(sha256(data));
}

}  // namespace gantry::cloudprovider::aws
