#include "tests/crash/file_bytes.h"

#include "persist/coding.h"
#include "persist/format.h"

namespace dskv_crash {

namespace format = ::dskv::format;

std::string Header(std::string_view collection) {
  std::string out;
  format::AppendHeader(collection, &out);
  return out;
}

std::string PutRecord(std::string_view member, std::string_view value) {
  std::string out;
  format::AppendRecord(format::RecordType::kPut, member, value, &out);
  return out;
}

std::string DeleteRecord(std::string_view member) {
  std::string out;
  format::AppendRecord(format::RecordType::kDelete, member, "", &out);
  return out;
}

std::string HeaderWithVersion(std::uint32_t version, std::string_view name) {
  std::string out(format::kMagic);
  dskv::AppendFixed(version, &out);
  dskv::AppendFixed(static_cast<std::uint16_t>(name.size()), &out);
  out.append(name);
  dskv::AppendFixed(format::Checksum(out), &out);
  return out;
}

std::string RecordBody(std::uint8_t type, std::string_view member,
                       std::uint64_t value_size, std::string_view value) {
  std::string out(1, static_cast<char>(type));
  dskv::AppendFixed(static_cast<std::uint32_t>(member.size()), &out);
  dskv::AppendFixed(value_size, &out);
  out.append(member);
  out.append(value);
  return out;
}

std::string RecordWithBody(std::string_view body) {
  std::string out(format::kBodyOffset, '\0');
  out.append(body);
  format::SealRecord(out.data(), out.size());
  return out;
}

std::string ValueHoldingARecord() {
  return "bytes before the inner record|" +
         PutRecord(kPhantomMember, "never written") +
         "|bytes after the inner record";
}

}  // namespace dskv_crash
