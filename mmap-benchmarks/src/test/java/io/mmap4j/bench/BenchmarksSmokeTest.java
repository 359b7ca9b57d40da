package io.mmap4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmap4j.bench.Catalog.Bench;
import io.mmap4j.testkit.ChildJvm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;

/**
 * Every benchmark runs once through JMH with tiny settings, so that none can rot: the ones that
 * need no flag in this JVM (which has none), the peers that need flags in a child JVM started with
 * exactly the flags their {@code @Fork} declares, and one of each kind through a real JMH fork.
 */
class BenchmarksSmokeTest {
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(90);

    @Test
    void benchmarksWithoutFlagsRunInThisJvmWhichHasNone() throws Exception {
        PeerFlags.requireNone("this test");
        List<Bench> flagFree = Catalog.byFlags().get(List.of());
        Set<String> peers = flagFree.stream().map(b -> b.parsed().peer()).collect(Collectors.toSet());
        assertTrue(peers.containsAll(Set.of("mmap4j", "varHandle", "segmentCopy")), () -> "flag-free peers: " + peers);

        List<String> lines = JmhSmoke.lines(JmhSmoke.run(Catalog.names(flagFree), 0));

        JmhSmoke.assertEveryBenchmarkScored(flagFree, lines);
    }

    @Test
    void peersWithFlagsRunInAChildJvmWithExactlyThoseFlags() throws Exception {
        for (Map.Entry<List<String>, List<Bench>> entry : Catalog.byFlags().entrySet()) {
            if (entry.getKey().isEmpty()) {
                continue;
            }
            List<Bench> benches = entry.getValue();
            try (ChildJvm child = ChildJvm.start(entry.getKey(), JmhSmoke.class,
                    Catalog.names(benches).toArray(String[]::new))) {
                child.awaitExit(CHILD_TIMEOUT, 0);
                List<String> lines = child.output().stream().filter(l -> l.startsWith(JmhSmoke.RESULT))
                        .map(l -> l.substring(JmhSmoke.RESULT.length())).toList();
                JmhSmoke.assertEveryBenchmarkScored(benches, lines);
            }
        }
    }

    @Test
    void everyPeerDeclaresTheSameFlagsInEveryAreaAndOursDeclareNone() {
        Map<String, Set<List<String>>> flagsPerPeer = new HashMap<>();
        for (Bench b : Catalog.all()) {
            flagsPerPeer.computeIfAbsent(b.parsed().peer(), p -> new HashSet<>()).add(b.flags());
        }
        flagsPerPeer.forEach((peer, flags) -> assertEquals(1, flags.size(), () -> peer + " declares " + flags));
        assertEquals(Set.of(List.of()), flagsPerPeer.get("mmap4j"));
        assertEquals(Set.of(List.of(PeerFlags.AGRONA)), flagsPerPeer.get("agrona"));
        assertEquals(Set.of(List.of(PeerFlags.CHRONICLE_REFLECT, PeerFlags.CHRONICLE_NIO)), flagsPerPeer.get("chronicle"));
    }

    /** The path the published numbers take: JMH forks each benchmark, adding the flags its @Fork declares. */
    @Test
    void jmhForksEachPeerWithItsOwnFlagsOnly() throws Exception {
        List<String> names = new ArrayList<>();
        for (List<Bench> benches : Catalog.byFlags().values()) {
            names.add(benches.stream().filter(b -> b.parameterCombinations() == 1).findFirst().orElseThrow().name());
        }
        names.add(AtomicsBenchmark.class.getName() + ".getAndAdd_mmap4j");

        Collection<RunResult> results = JmhSmoke.run(names, 1);

        assertEquals(names.size(), results.size(), () -> "results of " + names);
        for (RunResult result : results) {
            Bench bench = Catalog.all().stream().filter(b -> b.name().equals(result.getParams().getBenchmark()))
                    .findFirst().orElseThrow();
            Collection<String> jvmArgs = result.getParams().getJvmArgs();
            assertTrue(jvmArgs.containsAll(bench.flags()), () -> bench.name() + " forked with " + jvmArgs);
            if (bench.flags().isEmpty()) {
                assertFalse(jvmArgs.stream().anyMatch(a -> a.startsWith("--add-")), () -> bench.name() + " forked with " + jvmArgs);
            }
            assertTrue(result.getPrimaryResult().getScore() > 0, () -> bench.name() + " scored " + result.getPrimaryResult());
        }
    }
}
