package io.mmap4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmap4j.bench.Catalog.Bench;
import io.mmap4j.testkit.ChildJvm;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Every peer's benchmark methods do real work: see {@link PeerCheck}. */
class PeersTest {
    @Test
    void peersWithoutFlagsDoWhatTheirBenchmarksSay() throws Exception {
        for (String peer : peers(Catalog.byFlags().get(List.of()))) {
            PeerCheck.check(peer);
        }
    }

    @Test
    void peersWithFlagsDoWhatTheirBenchmarksSayInAJvmWithThoseFlags() throws Exception {
        for (Map.Entry<List<String>, List<Bench>> entry : Catalog.byFlags().entrySet()) {
            if (entry.getKey().isEmpty()) {
                continue;
            }
            TreeSet<String> peers = peers(entry.getValue());
            try (ChildJvm child = ChildJvm.start(entry.getKey(), PeerCheck.class, peers.toArray(String[]::new))) {
                child.awaitExit(Duration.ofSeconds(60), 0);
                TreeSet<String> checked = new TreeSet<>();
                child.output().stream().filter(l -> l.startsWith(PeerCheck.CHECKED))
                        .forEach(l -> checked.add(l.substring(PeerCheck.CHECKED.length())));
                assertEquals(peers, checked, () -> "checked peers; output:\n" + String.join("\n", child.output()));
            }
        }
    }

    private static TreeSet<String> peers(List<Bench> benches) {
        TreeSet<String> peers = new TreeSet<>();
        benches.forEach(b -> peers.add(b.parsed().peer()));
        return peers;
    }
}
