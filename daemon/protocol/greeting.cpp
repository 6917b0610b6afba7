#include "protocol/greeting.hpp"

namespace hellod::protocol {
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

SessionResult run_greeting(Stream& stream, const Settings& settings, std::string_view peer) {
    TemplateAnswer answer(settings.reply);
    return run_conversation(stream, settings, peer, answer);
}

}  // namespace hellod::protocol
