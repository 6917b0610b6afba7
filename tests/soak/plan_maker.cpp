#include "plan_maker.hpp"

#include <numeric>
#include <stdexcept>

#include "garbage.hpp"

namespace hellod_soak {

namespace {

using std::chrono::milliseconds;

constexpr std::string_view kIdleLine = "Error: idle timeout\r\n";

// One line a well-behaved client sends: a name, now and then an empty or blank line (no
// reply), a line exactly at the limit (answered) or one byte over it (the error line).
std::string random_line(Rng& rng, const GreetingRules& rules) {
    const double roll = std::uniform_real_distribution<double>(0, 1)(rng);
    std::string line;
    if (roll < 0.05) {
        line = random_blanks(rng);
    } else if (roll < 0.07) {
        line.assign(rules.max_line_bytes, 'n');
    } else if (roll < 0.09) {
        line.assign(rules.max_line_bytes + 1, 'o');
    } else {
        line = random_blanks(rng) + random_name(rng) + random_blanks(rng);
    }
    return line + random_terminator(rng);
}

std::string exit_line(Rng& rng) {
    return random_blanks(rng) + "exit" + random_terminator(rng);
}

// A short unfinished line: never long enough to be reported as too long.
std::string random_partial(Rng& rng) {
    std::string partial = random_name(rng);
    if (chance(rng, 0.3)) partial += "\r";
    return partial;
}

milliseconds think(Rng& rng, std::size_t low_ms, std::size_t high_ms) {
    return milliseconds(pick(rng, low_ms, high_ms));
}

// Builds a plan step by step, keeping the model of the server in step with what is sent.
class Builder {
  public:
    Builder(Kind kind, std::string variant, const PlanSettings& settings)
        : model_(settings.rules), settings_(settings) {
        plan_.kind = kind;
        plan_.variant = std::move(variant);
        plan_.timeout = settings.client_timeout;
    }

    // Sent at once, without waiting for anything.
    void send(std::string bytes, milliseconds pause = milliseconds(0)) {
        add(std::move(bytes), 0, pause);
    }
    // Sent once everything the server owes so far has arrived (the welcome included).
    void send_after_replies(std::string bytes, milliseconds pause = milliseconds(0)) {
        add(std::move(bytes), 1 + model_.lines(), pause);
    }
    // One chunk cut into up to `pieces` sends a few milliseconds apart, so that the server's
    // reads split it at unpredictable places.
    void send_in_pieces(Rng& rng, const std::string& bytes, std::size_t pieces) {
        std::size_t at = 0;
        for (std::size_t left = pick(rng, 1, pieces); left > 0 && at < bytes.size(); --left) {
            const std::size_t n = left == 1 ? bytes.size() - at : pick(rng, 1, bytes.size() - at);
            send(bytes.substr(at, n), at == 0 ? milliseconds(0) : think(rng, 0, 3));
            at += n;
        }
    }

    ServerModel& model() { return model_; }
    Plan& plan() { return plan_; }

    Plan finish(Ending ending) {
        plan_.ending = ending;
        if (ending == Ending::half_close) model_.end_of_input();
        plan_.body = model_.output();
        plan_.server_lines = model_.lines();
        if (ending == Ending::stall) {
            if (settings_.idle_close) plan_.body += kIdleLine;
            plan_.shutdown_only = !settings_.idle_close;
            plan_.timeout = settings_.client_timeout + settings_.idle_timeout;
        }
        return std::move(plan_);
    }

  private:
    void add(std::string bytes, std::size_t after_lines, milliseconds pause) {
        model_.feed(bytes);
        plan_.steps.push_back({std::move(bytes), after_lines, pause});
    }

    ServerModel model_;
    const PlanSettings& settings_;
    Plan plan_;
};

Plan well_behaved(Rng& rng, const PlanSettings& s) {
    const std::size_t lines = pick(rng, 1, 8);
    const auto roll = pick(rng, 0, 99);
    if (roll < 25) {
        // A person at a terminal: a few seconds, mostly idle, each pause far below the idle
        // timeout. These keep a couple of hundred sessions (and threads) alive at once.
        Builder b(Kind::well_behaved, "talker", s);
        for (std::size_t i = pick(rng, 5, 15); i > 0; --i)
            b.send_after_replies(random_line(rng, s.rules), think(rng, 50, 250));
        b.send_after_replies(exit_line(rng), think(rng, 50, 250));
        return b.finish(Ending::read_to_eof);
    }
    if (roll < 50) {
        Builder b(Kind::well_behaved, "lockstep", s);
        for (std::size_t i = 0; i < lines; ++i)
            b.send_after_replies(random_line(rng, s.rules),
                                 chance(rng, 0.3) ? think(rng, 1, 30) : milliseconds(0));
        b.send_after_replies(exit_line(rng));
        return b.finish(Ending::read_to_eof);
    }
    if (roll < 78) {
        Builder b(Kind::well_behaved, "pipelined", s);
        std::string all;
        for (std::size_t i = 0; i < lines; ++i)
            all += random_line(rng, s.rules);
        all += exit_line(rng);
        b.send_in_pieces(rng, all, 3);
        return b.finish(Ending::read_to_eof);
    }
    if (roll < 94) {
        // End of input with a partial line pending: answered as the last line, then EOF.
        Builder b(Kind::well_behaved, "half-close", s);
        std::string all;
        for (std::size_t i = 0; i < lines; ++i)
            all += random_line(rng, s.rules);
        if (chance(rng, 0.7)) all += random_partial(rng);
        b.send_in_pieces(rng, all, 2);
        return b.finish(Ending::half_close);
    }
    // Telnet's Ctrl-C: the lines before it answered, then the farewell.
    Builder b(Kind::well_behaved, "interrupt", s);
    std::string all;
    for (std::size_t i = 0; i < lines; ++i)
        all += random_line(rng, s.rules);
    all += chance(rng, 0.5) ? "\xff\xf4" : "\xff\xf3";
    b.send_in_pieces(rng, all, 2);
    return b.finish(Ending::read_to_eof);
}

// exit (close) and reset share their points of departure.
Plan abrupt(Kind kind, Rng& rng, const PlanSettings& s) {
    const Ending ending = kind == Kind::reset ? Ending::reset : Ending::close;
    switch (pick(rng, 0, 3)) {
        case 0: {
            Builder b(kind, "at-connect", s);
            return b.finish(ending);
        }
        case 1: {
            Builder b(kind, "after-welcome", s);
            b.plan().end_after_lines = 1;
            return b.finish(ending);
        }
        case 2: {
            Builder b(kind, "mid-line", s);
            for (std::size_t i = pick(rng, 0, 3); i > 0; --i)
                b.send_after_replies(random_line(rng, s.rules));
            b.send_after_replies(random_partial(rng));
            b.plan().end_after_lines = b.plan().steps.back().after_lines;
            return b.finish(ending);
        }
        default: {
            // exit: once every reply is in, a clean close without the exit command;
            // reset: while the replies are still on their way.
            Builder b(kind, kind == Kind::reset ? "replies-in-flight" : "after-replies", s);
            std::string all;
            for (std::size_t i = pick(rng, 1, 6); i > 0; --i)
                all += random_line(rng, s.rules);
            b.send(all);
            if (kind == Kind::exit) b.plan().end_after_lines = 1 + b.model().lines();
            return b.finish(ending);
        }
    }
}

Plan drop(Rng& rng, const PlanSettings& s) {
    const bool with_exit = chance(rng, 0.5);
    Builder b(Kind::drop, with_exit ? "lines-and-exit" : "lines", s);
    std::string all;
    for (std::size_t i = pick(rng, 1, 6); i > 0; --i)
        all += random_line(rng, s.rules);
    if (with_exit) all += exit_line(rng);
    b.send(all);
    b.plan().reads = false;
    return b.finish(Ending::close);
}

Plan stall(Rng& rng, const PlanSettings& s) {
    switch (pick(rng, 0, 3)) {
        case 0: {
            Builder b(Kind::stall, "silent", s);
            return b.finish(Ending::stall);
        }
        case 1: {
            Builder b(Kind::stall, "partial-line", s);
            b.send_after_replies(random_partial(rng));
            return b.finish(Ending::stall);
        }
        case 2: {
            Builder b(Kind::stall, "lines-then-partial", s);
            for (std::size_t i = pick(rng, 1, 4); i > 0; --i)
                b.send_after_replies(random_line(rng, s.rules));
            if (chance(rng, 0.7)) b.send_after_replies(random_partial(rng));
            return b.finish(Ending::stall);
        }
        default: {
            Builder b(Kind::stall, "inside-telnet-command", s);
            b.send_after_replies(chance(rng, 0.5) ? std::string("\xff\xfa\x18\x01")
                                                  : std::string("\xff"));
            return b.finish(Ending::stall);
        }
    }
}

Plan garbage(Rng& rng, const PlanSettings& s) {
    Builder b(Kind::garbage, "half-close", s);
    b.send_in_pieces(rng, random_garbage(rng, s.rules), 6);
    return b.finish(Ending::half_close);
}

Plan slow_reader(const PlanSettings& s) {
    Builder b(Kind::slow_reader, "never-reads", s);
    Plan plan = b.finish(Ending::slow_read);
    plan.reads = false;
    plan.rcvbuf = 4096;  // the smallest window: the server's writes block soon
    const std::string name = "slow reader " + std::string(80, 'z');
    plan.slow_line = name + "\n";
    plan.slow_reply = s.rules.reply_prefix + name + s.rules.reply_suffix + "\r\n";
    plan.timeout = s.client_timeout + s.write_timeout;
    return plan;
}

}  // namespace

std::string_view kind_name(Kind kind) {
    switch (kind) {
        case Kind::well_behaved:
            return "well-behaved";
        case Kind::exit:
            return "exit";
        case Kind::drop:
            return "drop";
        case Kind::reset:
            return "reset";
        case Kind::stall:
            return "stall";
        case Kind::garbage:
            return "garbage";
        case Kind::slow_reader:
            return "slow-reader";
    }
    return "?";
}

Kind pick_kind(Rng& rng, const KindWeights& weights) {
    const unsigned total = std::accumulate(weights.begin(), weights.end(), 0u);
    auto roll = static_cast<unsigned>(pick(rng, 0, total - 1));
    for (std::size_t k = 0; k < kKinds; ++k) {
        if (roll < weights[k]) return static_cast<Kind>(k);
        roll -= weights[k];
    }
    return Kind::well_behaved;
}

Plan make_plan(Kind kind, Rng& rng, const PlanSettings& settings) {
    switch (kind) {
        case Kind::well_behaved:
            return well_behaved(rng, settings);
        case Kind::exit:
        case Kind::reset:
            return abrupt(kind, rng, settings);
        case Kind::drop:
            return drop(rng, settings);
        case Kind::stall:
            return stall(rng, settings);
        case Kind::garbage:
            return garbage(rng, settings);
        case Kind::slow_reader:
            return slow_reader(settings);
    }
    throw std::logic_error("unknown kind");
}

Plan make_long_conversation(Rng& rng, const PlanSettings& settings, std::size_t lines) {
    Builder b(Kind::well_behaved, "long-conversation", settings);
    for (std::size_t i = 0; i < lines; ++i)
        b.send_after_replies(random_line(rng, settings.rules), think(rng, 20, 100));
    b.send_after_replies(exit_line(rng), think(rng, 20, 100));
    Plan plan = b.finish(Ending::read_to_eof);
    plan.timeout = settings.client_timeout + milliseconds(120 * (lines + 1));
    return plan;
}

Rng session_rng(std::uint64_t seed, std::uint64_t index) {
    // splitmix64 of both, so neighbouring sessions get unrelated streams.
    std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (index + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return Rng(z ^ (z >> 31));
}

}  // namespace hellod_soak
