// The soak: many sessions of every kind over minutes while SIGHUP reloads arrive, then the
// daemon must be back where it started.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <deque>
#include <thread>

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

// Per thousand: well-behaved, exit, drop, reset, stall, garbage, slow-reader. Stalls and slow
// readers hold a worker for a timeout each, so they are few (and capped at once, see Options).
constexpr KindWeights kWeights = {455, 100, 80, 100, 30, 232, 3};

constexpr auto kReloadAckTimeout = 10s;
constexpr auto kProgressEvery = 10s;
constexpr auto kSampleEvery = 1s;
// /proc has no event to wait for: while settling, the figures are read this often.
constexpr auto kSettlePoll = 100ms;
constexpr auto kStopTimeout = 15s;
constexpr auto kWarmUpTimeout = 30s;

class LoadRun {
  public:
    LoadRun(const Options& options, std::uint64_t seed) : o_(options), seed_(seed) {
        variants_[0].welcome = "Welcome!";
        variants_[0].log_level = "info";
        variants_[0].idle_timeout = o_.idle_timeout;
        variants_[0].write_timeout = o_.write_timeout;
        variants_[1] = variants_[0];
        variants_[1].welcome = "Grüß dich, willkommen — 歡迎 ✓";
        variants_[1].log_level = "debug";
        settings_.idle_close = true;
        settings_.idle_timeout = ms(o_.idle_timeout);
        settings_.write_timeout = ms(o_.write_timeout);
        settings_.client_timeout = ms(o_.client_timeout);
    }

    int run() {
        std::printf(
            "hellod-soak load: seed %" PRIu64 " (replay with --seed %" PRIu64
            "), %zu sessions over %g s, at most %zu open at once (%zu stalled, %zu slow readers)\n",
            seed_, seed_, o_.sessions, o_.seconds, o_.concurrency, o_.max_stalled, o_.max_slow);
        std::fflush(stdout);
        config_ = dir_.file("hellod.conf");
        write_file_atomically(config_, config_text(variants_[0]));
        DaemonProcess daemon(o_.hellod, hellod_arguments(o_, config_), dir_.file("hellod.log"));
        const auto port = await_start(daemon);
        if (!port) return fail_early();
        ClientEngine engine(
            {.target = loopback(*port),
             .welcomes = {variants_[0].welcome + "\r\n", variants_[1].welcome + "\r\n"},
             .idle_timeout = ms(o_.idle_timeout),
             .write_timeout = ms(o_.write_timeout),
             .failures_kept = 20});
        if (o_.warm_up && !warm_up(daemon, engine)) return fail_early();
        const auto idle = read_process_stats(daemon.pid());
        if (!idle) return fail_early();
        idle_ = *idle;
        drive(daemon, engine);
        settle(daemon);
        stop(daemon);
        return report(daemon, engine.tally());
    }

  private:
    int fail_early() {
        dir_.keep();
        std::printf("  kept %s\n", dir_.path().c_str());
        verdicts_.check(false, "hellod did not start");
        return verdicts_.print("soak.load");
    }

    // One session, then until its worker has ended (parked workers end 10 s after their last
    // session): whatever the first thread brings along (a sanitizer's own thread) is then part
    // of the idle level.
    bool warm_up(DaemonProcess& daemon, ClientEngine& engine) {
        const auto start = Clock::now();
        constexpr std::uint64_t kWarmUpSession = std::uint64_t{1} << 63;
        Rng rng = session_rng(seed_, kWarmUpSession);
        engine.start(kWarmUpSession, make_plan(Kind::well_behaved, rng, settings_));
        while (engine.active() > 0)
            engine.poll(10ms);
        const auto with_worker = read_process_stats(daemon.pid());
        if (!with_worker || engine.tally().failed > 0) return false;
        for (;;) {
            const auto s = read_process_stats(daemon.pid());
            if (!s) return false;
            if (s->threads < with_worker->threads) break;
            if (Clock::now() - start > kWarmUpTimeout) {
                std::printf("  the warm-up session's worker did not end within 30 s\n");
                return false;
            }
            std::this_thread::sleep_for(kSettlePoll);
        }
        warmed_ = true;
        std::printf("  warm-up: one session, its worker ended after %.1f s\n",
                    seconds_between(start, Clock::now()));
        std::fflush(stdout);
        return true;
    }

    // The sessions, on schedule, with reloads and samples meanwhile.
    void drive(DaemonProcess& daemon, ClientEngine& engine) {
        const auto start = Clock::now();
        const std::chrono::duration<double> interval(o_.seconds / static_cast<double>(o_.sessions));
        const auto hard_deadline =
            start + ms(std::max(2 * o_.seconds, o_.seconds + 60) + o_.client_timeout);
        std::uint64_t next = 0;
        std::deque<std::pair<std::uint64_t, Plan>> deferred;  // stalls and slow readers over cap
        auto next_reload = start + ms(o_.reload_interval);
        auto last_reload = start;
        bool reloading = true;
        auto next_sample = start;
        auto next_progress = start + kProgressEvery;
        const auto fits = [&](Kind kind) {
            if (kind == Kind::stall) return engine.active(kind) < o_.max_stalled;
            if (kind == Kind::slow_reader) return engine.active(kind) < o_.max_slow;
            return true;
        };
        for (;;) {
            auto now = Clock::now();
            while (engine.active() < o_.concurrency) {
                const auto waiting =
                    std::find_if(deferred.begin(), deferred.end(),
                                 [&](const auto& d) { return fits(d.second.kind); });
                if (waiting != deferred.end()) {
                    engine.start(waiting->first, std::move(waiting->second));
                    deferred.erase(waiting);
                    continue;
                }
                if (next >= o_.sessions ||
                    now < start + std::chrono::duration_cast<Clock::duration>(
                                      interval * static_cast<double>(next)))
                    break;
                Rng rng = session_rng(seed_, next);
                const Kind kind = pick_kind(rng, kWeights);
                Plan plan = make_plan(kind, rng, settings_);
                if (fits(kind)) {
                    engine.start(next, std::move(plan));
                } else {
                    deferred.emplace_back(next, std::move(plan));
                }
                ++next;
            }
            peak_open_ = std::max(peak_open_, engine.active());
            if (next >= o_.sessions && deferred.empty() && engine.active() == 0) break;
            if (now >= hard_deadline) {
                verdicts_.check(false, "the sessions were not done in time (" +
                                           std::to_string(engine.active()) + " open)");
                break;
            }
            if (reloading && now >= next_reload) {
                const auto counts = daemon.log().counts();
                if (counts.reloads + counts.reload_failures >= reloads_sent_) {
                    ++reloads_sent_;
                    write_file_atomically(config_, config_text(variants_[reloads_sent_ % 2]));
                    daemon.signal(SIGHUP);
                    last_reload = now;
                    next_reload = now + ms(o_.reload_interval);
                } else if (now - last_reload > kReloadAckTimeout) {
                    verdicts_.check(false, "reload " + std::to_string(reloads_sent_) +
                                               " did not show in the log within 10 s");
                    reloading = false;
                }
            }
            if (now >= next_sample) {
                if (const auto s = read_process_stats(daemon.pid())) peaks_.add(*s);
                next_sample = now + kSampleEvery;
            }
            if (now >= next_progress) {
                progress(engine, daemon, seconds_between(start, now), next);
                next_progress = now + kProgressEvery;
            }
            engine.poll(std::chrono::milliseconds(2));
        }
        load_seconds_ = seconds_between(start, Clock::now());
        // The last reload must be in before the figures are taken.
        daemon.log().wait_for(
            [&](const LogCounts& c) { return c.reloads + c.reload_failures >= reloads_sent_; },
            kReloadAckTimeout);
    }

    void progress(const ClientEngine& engine, DaemonProcess& daemon, double t,
                  std::uint64_t started) {
        const auto s = read_process_stats(daemon.pid());
        std::printf("  %5.0f s: %" PRIu64 " started, %" PRIu64 " ended, %zu open, %" PRIu64
                    " failed; hellod %ld threads, %ld descriptors, %s\n",
                    t, started, engine.tally().ended(), engine.active(), engine.tally().failed,
                    s ? s->threads : -1, s ? s->descriptors : -1,
                    s ? kib(s->rss_kib).c_str() : "?");
        std::fflush(stdout);
    }

    bool at_idle(const ProcessStats& s) const {
        return s.descriptors == idle_.descriptors && s.threads == idle_.threads &&
               (!o_.rss_bound_kib || s.rss_kib - idle_.rss_kib <= *o_.rss_bound_kib);
    }

    // Parked workers end 10 s after their last session, and the memory goes back once they
    // have: wait (bounded) until every figure is back.
    void settle(DaemonProcess& daemon) {
        const auto start = Clock::now();
        const auto deadline = start + ms(o_.settle_timeout);
        for (;;) {
            const auto s = read_process_stats(daemon.pid());
            if (!s) {
                verdicts_.check(false, "hellod is gone after the load");
                return;
            }
            after_ = *s;
            if (at_idle(*s) || Clock::now() >= deadline) break;
            std::this_thread::sleep_for(kSettlePoll);
        }
        settle_seconds_ = seconds_between(start, Clock::now());
    }

    void stop(DaemonProcess& daemon) {
        daemon.signal(SIGTERM);
        exit_status_ = daemon.wait_exit(kStopTimeout);
        daemon.log().wait_for([](const LogCounts& c) { return c.closed; }, kStopTimeout);
    }

    int report(DaemonProcess& daemon, const Tally& tally) {
        const LogCounts log = daemon.log().counts();
        const auto& stalls = tally.kinds[static_cast<std::size_t>(Kind::stall)];
        std::printf("figures:\n");
        std::printf("  sessions      %" PRIu64
                    " in %.1f s (%.0f/s), at most %zu open at once; %" PRIu64 " failed\n",
                    tally.started(), load_seconds_,
                    static_cast<double>(tally.started()) / load_seconds_, peak_open_, tally.failed);
        print_kinds(tally);
        std::printf("  welcomes      \"%s\" %" PRIu64 ", \"%s\" %" PRIu64
                    " (sessions that read one)\n",
                    variants_[0].welcome.c_str(), tally.welcomes[0], variants_[1].welcome.c_str(),
                    tally.welcomes[1]);
        std::printf("  reloads       %" PRIu64 " SIGHUP, %" PRIu64 " reloaded in the log, %" PRIu64
                    " failed\n",
                    reloads_sent_, log.reloads, log.reload_failures);
        if (!tally.idle_close.empty())
            std::printf(
                "  idle close    %.3f-%.3f s after a stalled client's last byte (idle-timeout %g "
                "s)\n",
                tally.idle_close.min, tally.idle_close.max, o_.idle_timeout);
        if (!tally.write_timeout_close.empty())
            std::printf(
                "  write timeout %.3f-%.3f s after a slow reader connected (write-timeout %g s)\n",
                tally.write_timeout_close.min, tally.write_timeout_close.max, o_.write_timeout);
        std::printf("  hellod log    %" PRIu64 " access lines (%s); %" PRIu64 " warnings, %" PRIu64
                    " errors after start-up\n",
                    log.access, describe_ends(log).c_str(), log.warnings, log.errors);
        for (const auto& line : log.notable)
            std::printf("                %s\n", line.c_str());
        std::printf(
            "  idle          measured %s\n",
            warmed_ ? "once a warm-up session's worker had ended (--warm-up)" : "after start-up");
        std::printf("  descriptors   idle %ld, peak %ld, after %ld\n", idle_.descriptors,
                    peaks_.descriptors, after_.descriptors);
        std::printf("  threads       idle %ld, peak %ld, after %ld\n", idle_.threads,
                    peaks_.threads, after_.threads);
        std::printf("  RSS           idle %s, peak %s, after %s (%+ld KiB; %s)\n",
                    kib(idle_.rss_kib).c_str(), kib(peaks_.rss_kib).c_str(),
                    kib(after_.rss_kib).c_str(), after_.rss_kib - idle_.rss_kib,
                    o_.rss_bound_kib ? ("bound +" + kib(*o_.rss_bound_kib)).c_str()
                                     : "not checked: --rss-bound off");
        std::printf("  settled       %.1f s after the last session (peaks sampled once a second)\n",
                    settle_seconds_);
        std::printf(
            "  CPU           hellod %.1f s (%.0f %% of one core over the load), hellod-soak %.1f "
            "s\n",
            after_.cpu_seconds, 100 * after_.cpu_seconds / load_seconds_, own_cpu_seconds());
        std::printf("  stop          hellod %s on SIGTERM\n",
                    exit_status_ ? describe_status(*exit_status_).c_str()
                                 : "still running 15 s after SIGTERM");
        print_failures(tally);

        verdicts_.check(tally.failed == 0, std::to_string(tally.failed) + " clients failed");
        const std::uint64_t all = o_.sessions + (warmed_ ? 1 : 0);
        verdicts_.check(tally.started() == all && tally.ended() == all,
                        "every session ran and ended");
        verdicts_.check(log.reloads == reloads_sent_ && log.reload_failures == 0,
                        "every SIGHUP must give one successful reload");
        verdicts_.check(reloads_sent_ < 2 || (tally.welcomes[0] > 0 && tally.welcomes[1] > 0),
                        "the reloads must show: both welcomes seen");
        verdicts_.check(log.access == tally.started(), "one access line per session");
        verdicts_.check(log.ends.count("idle") == 0 ? stalls.started == 0
                                                    : log.ends.at("idle") == stalls.started,
                        "the idle closes in the log must be the stalled clients");
        verdicts_.check(log.ends.count("busy") == 0, "nobody turned away as busy");
        verdicts_.check(log.warnings == 0 && log.errors == 0,
                        "no warning or error in the log after start-up");
        verdicts_.check(after_.descriptors == idle_.descriptors,
                        "descriptors back to idle within --settle-timeout");
        verdicts_.check(after_.threads == idle_.threads,
                        "threads back to idle within --settle-timeout");
        verdicts_.check(!o_.rss_bound_kib || after_.rss_kib - idle_.rss_kib <= *o_.rss_bound_kib,
                        "RSS back to idle (within the bound)");
        verdicts_.check(exit_status_ && WIFEXITED(*exit_status_) && WEXITSTATUS(*exit_status_) == 0,
                        "hellod exits 0 on SIGTERM");
        if (!verdicts_.passed()) {
            print_log_tail(daemon.log().last_lines());
            dir_.keep();
            std::printf("  kept %s (hellod.log, hellod.conf)\n", dir_.path().c_str());
        } else if (o_.keep) {
            dir_.keep();
            std::printf("  kept %s\n", dir_.path().c_str());
        }
        return verdicts_.print("soak.load");
    }

    const Options& o_;
    const std::uint64_t seed_;
    TempDir dir_;
    std::string config_;
    std::array<SoakConfig, 2> variants_;
    PlanSettings settings_;
    Verdicts verdicts_;
    ProcessStats idle_;
    ProcessStats after_;
    Peaks peaks_;
    std::size_t peak_open_ = 0;
    std::uint64_t reloads_sent_ = 0;
    double load_seconds_ = 0;
    double settle_seconds_ = 0;
    std::optional<int> exit_status_;
    bool warmed_ = false;
};

}  // namespace

int run_load(const Options& options, std::uint64_t seed) {
    return LoadRun(options, seed).run();
}

}  // namespace hellod_soak
