// The listings of `dskv serve` (docs/http.md, "Listing"): a collection's
// keys (?list) or pairs (?values) in member order, a page at a time, read
// through Store::ScanShared.

#ifndef DSKV_TOOLS_HTTP_LISTING_H_
#define DSKV_TOOLS_HTTP_LISTING_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "dskv/store.h"
#include "tools/http_request.h"

namespace dskv::tool {

// What a listing asks for.
struct ListingRequest {
  enum class Form {
    kKeys,   // ?list: {"next":"...","keys":["/<collection>/<member>",...]}
    kPairs,  // ?values: dump lines (tools/dump_format.h), next in a header.
  };
  Form form = Form::kKeys;
  std::string collection;
  // prefix (the target's member), start, end, limit and reverse.
  ScanOptions scan;
};

// Reads a listing's parameters from a GET target naming a collection
// ("/<collection>/?list") or a prefix of its members
// ("/<collection>/<prefix>?list"): list or values (one of them), start, end
// (each a key as a listing names it, "/<collection>/<member>", or a member,
// percent-encoded as in a path), limit (0: no limit) and reverse (with no
// value, or 1/true, 0/false).
//
// Errors: InvalidArgument naming the parameter and the rule, for both or
// neither of list and values, a start or end that does not decode, a limit
// that is not a whole number, a bad reverse, or any other parameter.
absl::StatusOr<ListingRequest> ParseListingRequest(const HttpTarget& target);

// One page of a listing: its body, and where the next page starts (a key,
// as the listing names keys; "" on the last page). A page holds the
// request's limit of keys, or fewer: it also ends once its body passes
// `max_body_bytes` (but holds at least one key), so that a listing without
// a limit never builds an unbounded response.
struct ListingPage {
  std::string body;
  std::string next;
};

// Errors: as Store::ScanShared.
absl::StatusOr<ListingPage> ReadListing(const Store& store,
                                        const ListingRequest& request,
                                        std::size_t max_body_bytes);

}  // namespace dskv::tool

#endif  // DSKV_TOOLS_HTTP_LISTING_H_
