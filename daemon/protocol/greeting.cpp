#include "protocol/greeting.hpp"

#include <cstdio>
#include <stdexcept>

#include "protocol/conversation.hpp"

namespace hellod {

namespace {

// The byte after a '%' as it should appear in an error message: the messages are single
// lines, so a control or non-ASCII byte is shown as \xNN rather than written raw.
std::string printable(char c) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) return std::string(1, c);
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(byte));
    return buf;
}

}  // namespace

// Spelled out rather than parse()d: parse() itself starts from a default-constructed value.
ReplyTemplate::ReplyTemplate()
    : source_("Hello, %s!"),
      before_("Hello, "),
      after_("!"),
      before_parsed_("Hello, "),
      after_parsed_("!"),
      has_slot_(true) {}

namespace {

constexpr char host_slot = '\0';

std::string filled(std::string_view parsed, std::string_view host) {
    std::string out;
    for (const char c : parsed) {
        if (c == host_slot)
            out += host;
        else
            out.push_back(c);
    }
    return out;
}

}  // namespace

void ReplyTemplate::set_host(std::string_view host) {
    before_ = filled(before_parsed_, host);
    after_ = filled(after_parsed_, host);
}

std::string expand_welcome(std::string_view welcome, std::string_view host) {
    if (welcome.find('%') == std::string_view::npos) return std::string(welcome);
    std::string out;
    for (std::size_t i = 0; i < welcome.size(); ++i) {
        if (welcome[i] == '%' && i + 1 < welcome.size() &&
            (welcome[i + 1] == 'h' || welcome[i + 1] == '%')) {
            if (welcome[++i] == 'h')
                out += host;
            else
                out.push_back('%');
        } else {
            out.push_back(welcome[i]);
        }
    }
    return out;
}

ReplyTemplate ReplyTemplate::parse(std::string_view text) {
    ReplyTemplate result;
    result.source_ = text;
    result.before_parsed_.clear();
    result.after_parsed_.clear();
    result.has_slot_ = false;
    std::size_t slot_at = 0;  // 1-based byte of the first %s, for the "twice" message
    std::string* out = &result.before_parsed_;
    for (std::size_t i = 0; i < text.size(); ++i) {
        // The settings refuse it earlier (line_safe); here it would be taken for a %h.
        if (text[i] == host_slot)
            throw std::invalid_argument("holds a NUL byte at byte " + std::to_string(i + 1));
        if (text[i] != '%') {
            out->push_back(text[i]);
            continue;
        }
        // Byte positions are 1-based, like the columns an editor shows.
        const std::size_t byte = i + 1;
        if (i + 1 == text.size()) {
            throw std::invalid_argument("a lone '%' at byte " + std::to_string(byte) +
                                        " ends it (use %% for a literal %)");
        }
        const char next = text[++i];
        if (next == '%') {
            out->push_back('%');
        } else if (next == 'h') {
            out->push_back(host_slot);
        } else if (next == 's') {
            if (result.has_slot_) {
                throw std::invalid_argument("holds %s more than once (at bytes " +
                                            std::to_string(slot_at) + " and " +
                                            std::to_string(byte) + "); it may hold it once");
            }
            result.has_slot_ = true;
            slot_at = byte;
            out = &result.after_parsed_;
        } else {
            throw std::invalid_argument("'%" + printable(next) + "' at byte " +
                                        std::to_string(byte) +
                                        " is not allowed (use %s for the line, %h for the host "
                                        "name and %% for a literal %)");
        }
    }
    result.set_host({});
    return result;
}

void ReplyTemplate::render(std::string_view line, std::string& out) const {
    out += before_;
    if (has_slot_) {
        out += line;
        out += after_;
    }
}

namespace protocol {
namespace {

class TemplateAnswer final : public Answerer {
  public:
    explicit TemplateAnswer(const ReplyTemplate& reply) : reply_(reply) {}
    void answer(std::string_view message, std::string& out) override {
        reply_.render(message, out);
    }

  private:
    const ReplyTemplate& reply_;
};

}  // namespace

SessionResult run_greeting(Stream& stream, const Options& options, std::string_view peer) {
    TemplateAnswer answer(options.reply);
    return run_conversation(stream, options, peer, answer);
}

}  // namespace protocol
}  // namespace hellod
