// Fuzz target: the reply template (reply_template.hpp), parsed and rendered, against a model
// written from the contract: literal text, "%s" at most once for the line, "%h" (any number of
// times) for the host name, "%%" for a literal '%', and nothing else after a '%'; and the
// welcome's escapes (expand_welcome: "%h" and "%%", any other '%' itself).
//
// Input: the template, the host name, then NUL-separated lines to render with it.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "protocol/greeting.hpp"

namespace hellod::fuzz {
namespace {

// The template with "%%" folded, split at its "%s"; nullopt when the contract refuses it.
struct ModelTemplate {
    std::string before;
    std::optional<std::string> after;  // set when the template holds "%s"
};

std::optional<ModelTemplate> model_parse(std::string_view text, std::string_view host) {
    ModelTemplate model;
    std::string* out = &model.before;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out->push_back(text[i]);
        } else if (i + 1 < text.size() && text[i + 1] == '%') {
            out->push_back('%');
            ++i;
        } else if (i + 1 < text.size() && text[i + 1] == 'h') {
            out->append(host);
            ++i;
        } else if (i + 1 < text.size() && text[i + 1] == 's' && !model.after) {
            model.after.emplace();
            out = &*model.after;
            ++i;
        } else {
            return std::nullopt;
        }
    }
    return model;
}

// The welcome as the contract says: %h and %% are escapes, any other '%' is itself.
std::string model_welcome(std::string_view text, std::string_view host) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool escape = text[i] == '%' && i + 1 < text.size();
        if (escape && text[i + 1] == 'h') {
            out.append(host);
            ++i;
        } else if (escape && text[i + 1] == '%') {
            out.push_back('%');
            ++i;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

std::string render(const ReplyTemplate& reply, std::string_view line) {
    std::string out;
    reply.render(line, out);
    return out;
}

// A message is one line for a person: printable ASCII only (the template's own bytes are shown
// as \xNN, never written raw).
bool printable_line(std::string_view message) {
    for (const char c : message) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte >= 0x7f) return false;
    }
    return !message.empty();
}

}  // namespace
}  // namespace hellod::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace hellod;
    using namespace hellod::fuzz;
    FuzzInput input(data, size);
    const std::string_view text = input.field('\0');
    const std::string_view host = input.field('\0');
    const std::optional<ModelTemplate> model = model_parse(text, host);
    const std::string welcome = expand_welcome(text, host);
    FUZZ_CHECK(welcome == model_welcome(text, host),
               "welcome \"" + visible(text) + "\": got \"" + visible(welcome) + '"');

    std::optional<ReplyTemplate> parsed;
    try {
        parsed = ReplyTemplate::parse(text);
        parsed->set_host(host);
    } catch (const std::invalid_argument& e) {
        // The documented failure; anything else thrown escapes and libFuzzer reports it.
        FUZZ_CHECK(!model, "refused a template the contract allows: " + visible(text));
        FUZZ_CHECK(printable_line(e.what()), visible(e.what()));
        return 0;
    }
    FUZZ_CHECK(model, "accepted a template the contract refuses: " + visible(text));
    const ReplyTemplate& reply = *parsed;
    FUZZ_CHECK(reply.source() == text, visible(reply.source()));
    ReplyTemplate again = ReplyTemplate::parse(reply.source());
    again.set_host(host);
    FUZZ_CHECK(again == reply, "source() parses differently");

    // Every line renders, the same way each time, appending to what is there already.
    const auto lines = split(input.rest(), '\0');
    for (const std::string_view line : lines) {
        const std::string want =
            model->after ? model->before + std::string(line) + *model->after : model->before;
        const std::string got = render(reply, line);
        FUZZ_CHECK(got == want, "line \"" + visible(line) + "\": got \"" + visible(got) +
                                    "\", want \"" + visible(want) + '"');
        FUZZ_CHECK(render(reply, line) == got, "rendering is not deterministic");
        std::string appended = "> ";
        reply.render(line, appended);
        FUZZ_CHECK(appended == "> " + got, "render does not append");
    }
    return 0;
}
