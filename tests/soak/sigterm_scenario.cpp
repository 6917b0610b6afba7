// SIGTERM in the middle of load: sessions mid-conversation, stalled, not reading, and short
// ones coming and going when the signal comes. hellod must exit 0 within shutdown-timeout,
// and every client must get its whole conversation or the shutdown line, then the close.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "client_engine.hpp"
#include "clock.hpp"
#include "common.hpp"
#include "plan_maker.hpp"
#include "report.hpp"
#include "scenarios.hpp"
#include "soak_config.hpp"

namespace hellod_soak {

namespace {

using namespace std::chrono_literals;

// The short sessions that keep coming: every kind that ends by itself.
constexpr KindWeights kChurnWeights = {500, 150, 100, 150, 0, 100, 0};
constexpr std::size_t kChurnOpen = 32;           // short sessions open at once, at most
constexpr auto kChurnEvery = 5ms;                // one short session started this often
constexpr auto kBuildUpTimeout = 30s;            // until every long-lived session is welcomed
constexpr auto kLoadBeforeSignal = 1s;           // churn and conversations before SIGTERM
constexpr auto kChurnAfterSignal = 300ms;        // new connections keep trying this long after it
constexpr std::size_t kConversationLines = 100;  // 20-100 ms apart: still talking at SIGTERM

}  // namespace

int run_sigterm(const Options& o, std::uint64_t seed) {
    const std::size_t slow =
        std::min<std::size_t>(o.max_slow, std::max<std::size_t>(1, o.open / 75));
    const std::size_t stalled = o.open * 3 / 10;
    const std::size_t talking = o.open - slow - stalled;
    std::printf(
        "hellod-soak sigterm: seed %" PRIu64 " (replay with --seed %" PRIu64
        "), %zu sessions open at the signal (%zu talking, %zu stalled, %zu not reading) and "
        "short ones coming and going; shutdown-timeout %g s\n",
        seed, seed, o.open, talking, stalled, slow, o.shutdown_timeout);
    std::fflush(stdout);
    TempDir dir;
    SoakConfig config;
    // Long idle and write timeouts: only the shutdown may end these sessions.
    config.idle_timeout = 600;
    config.write_timeout = 600;
    config.shutdown_timeout = o.shutdown_timeout;
    const std::string config_path = dir.file("hellod.conf");
    write_file_atomically(config_path, config_text(config));
    Verdicts verdicts;
    DaemonProcess daemon(o.hellod, hellod_arguments(o, config_path), dir.file("hellod.log"));
    const auto port = await_start(daemon);
    if (!port) {
        dir.keep();
        verdicts.check(false, "hellod did not start");
        return verdicts.print("soak.sigterm");
    }

    ClientEngine engine({.target = loopback(*port),
                         .welcomes = {config.welcome + "\r\n"},
                         .idle_timeout = 0ms,
                         .write_timeout = 0ms,
                         .failures_kept = 20});
    PlanSettings settings;
    settings.idle_close = false;
    settings.client_timeout = ms(o.client_timeout);
    std::uint64_t next = 0;
    for (std::size_t i = 0; i < o.open; ++i, ++next) {
        Rng rng = session_rng(seed, next);
        if (i < slow) {
            engine.start(next, make_plan(Kind::slow_reader, rng, settings));
        } else if (i < slow + stalled) {
            engine.start(next, make_plan(Kind::stall, rng, settings));
        } else {
            engine.start(next, make_long_conversation(rng, settings, kConversationLines));
        }
    }
    const auto build_up = Clock::now();
    while (engine.awaiting_welcome() > 0 && Clock::now() - build_up < kBuildUpTimeout)
        engine.poll(10ms);
    verdicts.check(engine.awaiting_welcome() == 0,
                   "every long-lived session welcomed before SIGTERM");

    // Short sessions on top, up to the signal and a little after it.
    auto next_churn = Clock::now();
    const auto churn = [&](Clock::time_point now) {
        while (now >= next_churn && engine.active() < o.open + kChurnOpen) {
            Rng rng = session_rng(seed, next);
            const Kind kind = pick_kind(rng, kChurnWeights);
            engine.start(next++, make_plan(kind, rng, settings));
            next_churn += kChurnEvery;
        }
        if (now >= next_churn) next_churn = now + kChurnEvery;
    };
    const auto signal_at = Clock::now() + kLoadBeforeSignal;
    while (Clock::now() < signal_at) {
        churn(Clock::now());
        engine.poll(2ms);
    }
    const std::size_t open_at_signal = engine.active();
    const auto before = read_process_stats(daemon.pid());
    const auto sigterm = Clock::now();
    daemon.signal(SIGTERM);
    const auto deadline = sigterm + ms(o.shutdown_timeout + o.margin);
    engine.shutdown_began(sigterm, deadline);
    std::optional<double> exit_after;
    while (Clock::now() < deadline + 1s) {
        const auto now = Clock::now();
        if (now - sigterm < kChurnAfterSignal) churn(now);
        engine.poll(2ms);
        if (!exit_after && daemon.wait_exit(0ms)) {
            exit_after = seconds_between(sigterm, Clock::now());
            engine.drain_slow_readers();
        }
        if (exit_after && engine.active() == 0 && now - sigterm >= kChurnAfterSignal) break;
    }
    const auto status = daemon.wait_exit(0ms);
    daemon.log().wait_for([](const LogCounts& c) { return c.closed; }, 5s);
    const LogCounts log = daemon.log().counts();
    const Tally& tally = engine.tally();

    std::printf("figures:\n");
    std::printf(
        "  at SIGTERM    %zu sessions open (%zu long-lived, %zu short); hellod said %s; %s "
        "threads\n",
        open_at_signal, o.open, open_at_signal - std::min(open_at_signal, o.open),
        log.open_at_shutdown ? std::to_string(*log.open_at_shutdown).c_str() : "nothing",
        before ? std::to_string(before->threads).c_str() : "?");
    print_kinds(tally);
    std::printf("  endings       %" PRIu64 " got the shutdown line, %" PRIu64
                " their whole conversation, %" PRIu64
                " slow readers closed on (replies cut or the shutdown line), %" PRIu64
                " not served (connecting as the listener closed); %" PRIu64 " failed\n",
                tally.outcome(Outcome::shutdown), tally.outcome(Outcome::complete),
                tally.outcome(Outcome::cut), tally.outcome(Outcome::not_served), tally.failed);
    if (!tally.shutdown_close.empty())
        std::printf("  clients done  %.3f-%.3f s after SIGTERM\n", tally.shutdown_close.min,
                    tally.shutdown_close.max);
    std::printf(
        "  hellod        %s %s after SIGTERM (shutdown-timeout %g s, margin %g s); "
        "cut %s session(s) at the timeout\n",
        status ? describe_status(*status).c_str() : "still running",
        exit_after ? format_seconds(*exit_after).c_str() : "-", o.shutdown_timeout, o.margin,
        log.cut_at_shutdown ? std::to_string(*log.cut_at_shutdown).c_str() : "no");
    print_failures(tally);

    const auto& slow_tally = tally.kinds[static_cast<std::size_t>(Kind::slow_reader)];
    verdicts.check(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0, "hellod exits 0");
    verdicts.check(exit_after && *exit_after <= o.shutdown_timeout + o.margin,
                   "hellod exits within shutdown-timeout + margin");
    verdicts.check(tally.failed == 0, std::to_string(tally.failed) + " clients failed");
    verdicts.check(engine.active() == 0, "no client left hanging");
    verdicts.check(
        tally.outcome(Outcome::cut) == slow_tally.outcomes[static_cast<std::size_t>(Outcome::cut)],
        "only clients that do not read may be cut");
    verdicts.check(tally.kinds[static_cast<std::size_t>(Kind::stall)]
                           .outcomes[static_cast<std::size_t>(Outcome::shutdown)] == stalled,
                   "every stalled client gets the shutdown line");
    verdicts.check(log.cut_at_shutdown.value_or(0) <= slow,
                   "only the sessions that do not read are cut at shutdown-timeout");
    verdicts.check(log.errors == 0 && log.warnings <= (log.cut_at_shutdown ? 1u : 0u),
                   "no warning or error in the log but the cut");
    if (!verdicts.passed()) {
        print_log_tail(daemon.log().last_lines());
        dir.keep();
        std::printf("  kept %s\n", dir.path().c_str());
    } else if (o.keep) {
        dir.keep();
        std::printf("  kept %s\n", dir.path().c_str());
    }
    return verdicts.print("soak.sigterm");
}

}  // namespace hellod_soak
