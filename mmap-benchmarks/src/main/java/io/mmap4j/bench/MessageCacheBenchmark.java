package io.mmap4j.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mmap4j.content.MessageCache;
import io.mmap4j.content.Store;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * HyperBEAM's own store benchmark (hb_store's suite, the one its LMDB figures come from), and the
 * message cache's write, read and resolve, on mmap4j's mapped store ({@code MessageCache.open}) and
 * on the same {@link MessageCache} over LMDB ({@link LmdbStore}, hb_store_lmdb's layout through
 * lmdbjava): one thread, each store filled once per trial in its directory on the disk.
 *
 * <ul>
 * <li>{@code writeValues}: hb_store's writes: 100,000 values of 43 bytes written at
 *     {@code values/<i>} ({@code Store.write}) into a new, empty store, each iteration its own;
 *     the score is per write (the store's growth from empty included).</li>
 * <li>{@code readValue}: a random one of 100,000 values of 43 bytes at {@code values/<i>}
 *     ({@code Store.read}).</li>
 * <li>{@code list}: the children of a random one of 10,000 groups of 10 keys ({@code Store.list}).</li>
 * <li>{@code readMessage}: a random one of 250 messages of about 1 KiB (a name, a 1000-byte body, a
 *     nested message holding a list), read by its ID and loaded whole
 *     ({@code ensureAllLoaded(read(id))}).</li>
 * <li>{@code resolve}: the path {@code <committed id>/config/index} of a random one of 250 signed
 *     messages, resolved to {@code data/<id>} through the committed ID's link and the nested
 *     message's ({@code Store.resolve}).</li>
 * <li>{@code writeMessage}: a new message of about 1 KiB, every value new (its body starts with its
 *     number), written whole: its values, groups, links and match index entries; the store grows
 *     through the run.</li>
 * <li>{@code scaleDown} divides the 100,000 values and keys (1000 in the smoke test).</li>
 * </ul>
 *
 * <p>Published runs give every fork, of either peer, a heap of a fixed size whose pages are all
 * touched before the first iteration: {@code -jvmArgsPrepend "-Xms2g -Xmx2g -XX:+AlwaysPreTouch"}
 * (on the command line, so that each peer's {@code @Fork} declares only the flags it needs).
 * Without it the reads that allocate (a message read whole: 2.4 KB) ran whole iterations of 10 to
 * 14 µs per read against 0.6 µs in the others, the first seconds after the stores were filled,
 * while the process took 25,000 to 60,000 page faults a second ({@code perf stat}): the heap's new
 * regions touched for the first time, not the stores' code.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Baseline({"lmdb"})
public class MessageCacheBenchmark {
    static final int VALUES = 100_000;
    static final int GROUP_SIZE = 10;
    static final int MESSAGES = 250;
    static final int VALUE_BYTES = 43;
    static final int BODY_BYTES = 1000;

    /** A store filled with the suite's values, groups and messages, the same for every peer. */
    public abstract static class Filled {
        /** Divides the 100,000 values and keys: 1 for the published numbers, 1000 in the smoke test. */
        @Param("1")
        public int scaleDown;

        Path dir;
        MessageCache cache;
        Store store;
        int values;
        int groups;
        String[] valuePaths;
        String[] groupPaths;
        String[] messageIds;
        String[] resolvePaths;
        /** The number of the next message {@code writeMessage} writes. */
        long next;


        /** Opens the peer's cache in {@link #dir}. */
        abstract MessageCache open(Path dir) throws IOException;

        @Setup(Level.Trial)
        public void fill() throws IOException, NoSuchAlgorithmException {
            dir = TrialFile.createDirectory("content-" + getClass().getSimpleName());
            cache = open(dir);
            store = cache.store();
            values = Math.max(GROUP_SIZE, VALUES / scaleDown);
            groups = values / GROUP_SIZE;
            valuePaths = new String[values];
            for (int i = 0; i < values; i++) {
                valuePaths[i] = "values/" + i;
                store.write(valuePaths[i], value(i));
            }
            groupPaths = new String[groups];
            for (int g = 0; g < groups; g++) {
                groupPaths[g] = "groups/" + g;
                for (int k = 0; k < GROUP_SIZE; k++) {
                    store.write(groupPaths[g] + "/" + k, value(g * GROUP_SIZE + k));
                }
            }
            messageIds = new String[MESSAGES];
            resolvePaths = new String[MESSAGES];
            KeyPair signer = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            for (int i = 0; i < MESSAGES; i++) {
                messageIds[i] = cache.write(message(i));
                Map<String, Object> signed = MessageCache.commit(message(-1 - i), signer);
                cache.write(signed);
                String committed = (String) ((Map<?, ?>) signed.get("commitments")).keySet().iterator().next();
                resolvePaths[i] = committed + "/config/index";
            }
            next = MESSAGES;
        }

        @TearDown(Level.Trial)
        public void delete() throws IOException {
            cache.close();
            TrialFile.deleteDirectory(dir);
        }
    }

    @State(Scope.Benchmark)
    public static class Mapped extends Filled {
        @Override
        MessageCache open(Path dir) throws IOException {
            PeerFlags.requireNone("MessageCache");
            return MessageCache.open(dir);
        }
    }

    @State(Scope.Benchmark)
    public static class Lmdb extends Filled {
        @Override
        MessageCache open(Path dir) {
            return MessageCache.over(new LmdbStore(dir, 8L << 30)); // sparse: pages are taken as written
        }
    }

    /**
     * A new, empty store for each iteration of {@code writeValues}, with the paths and values it
     * writes made beforehand. The score is per write, so a scaled-down run writes fewer values
     * and JMH still divides by 100,000: {@code scaleDown} is for the smoke test only.
     */
    public abstract static class Empty {
        @Param("1")
        public int scaleDown;

        Path dir;
        MessageCache cache;
        String[] paths;
        byte[][] values;

        abstract MessageCache open(Path dir) throws IOException;

        @Setup(Level.Iteration)
        public void create() throws IOException {
            int n = Math.max(GROUP_SIZE, VALUES / scaleDown);
            paths = new String[n];
            values = new byte[n][];
            for (int i = 0; i < n; i++) {
                paths[i] = "values/" + i;
                values[i] = value(i);
            }
            dir = TrialFile.createDirectory("content-" + getClass().getSimpleName());
            cache = open(dir);
        }

        Store writeAll() {
            Store store = cache.store();
            for (int i = 0; i < paths.length; i++) {
                store.write(paths[i], values[i]);
            }
            return store;
        }

        @TearDown(Level.Iteration)
        public void delete() throws IOException {
            cache.close();
            TrialFile.deleteDirectory(dir);
        }
    }

    @State(Scope.Benchmark)
    public static class EmptyMapped extends Empty {
        @Override
        MessageCache open(Path dir) throws IOException {
            return new Mapped().open(dir);
        }
    }

    @State(Scope.Benchmark)
    public static class EmptyLmdb extends Empty {
        @Override
        MessageCache open(Path dir) {
            return new Lmdb().open(dir);
        }
    }

    /** The 43 bytes of value {@code i}: its number, then a fixed filler. */
    static byte[] value(long i) {
        byte[] v = ("value-" + i + "-").repeat(8).substring(0, VALUE_BYTES).getBytes(UTF_8);
        return v;
    }

    /** Message {@code i}, about 1 KiB, every value its own (the body begins with {@code i}). */
    static Map<String, Object> message(long i) {
        byte[] body = new byte[BODY_BYTES];
        byte[] number = Long.toString(i).getBytes(UTF_8);
        System.arraycopy(number, 0, body, 0, number.length);
        return Map.of("name", "message-" + i, "body", body,
                "config", Map.of("index", i, "tags", List.of("tag-" + i % 7, "shared")));
    }

    /** A random index below {@code bound}, by xorshift: the same sequence for every peer. */
    @State(Scope.Thread)
    public static class Pick {
        long x = 0x9E3779B97F4A7C15L;
        int last;

        int next(int bound) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            last = (int) Long.remainderUnsigned(x, bound);
            return last;
        }
    }

    // --- hb_store's suite --------------------------------------------------------------------------

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OperationsPerInvocation(VALUES)
    public Store writeValues_mmap4j(EmptyMapped s) {
        return s.writeAll();
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OperationsPerInvocation(VALUES)
    @Fork(jvmArgsAppend = {PeerFlags.LMDB_NIO, PeerFlags.LMDB_DIRECT})
    public Store writeValues_lmdb(EmptyLmdb s) {
        return s.writeAll();
    }

    @Benchmark
    public byte[] readValue_mmap4j(Mapped s, Pick p) {
        return s.store.read(s.valuePaths[p.next(s.values)]).orElseThrow();
    }

    @Benchmark
    @Fork(jvmArgsAppend = {PeerFlags.LMDB_NIO, PeerFlags.LMDB_DIRECT})
    public byte[] readValue_lmdb(Lmdb s, Pick p) {
        return s.store.read(s.valuePaths[p.next(s.values)]).orElseThrow();
    }

    @Benchmark
    public List<String> list_mmap4j(Mapped s, Pick p) {
        return s.store.list(s.groupPaths[p.next(s.groups)]);
    }

    @Benchmark
    @Fork(jvmArgsAppend = {PeerFlags.LMDB_NIO, PeerFlags.LMDB_DIRECT})
    public List<String> list_lmdb(Lmdb s, Pick p) {
        return s.store.list(s.groupPaths[p.next(s.groups)]);
    }

    @Benchmark
    public Object readMessage_mmap4j(Mapped s, Pick p) {
        return s.cache.ensureAllLoaded(s.cache.read(s.messageIds[p.next(MESSAGES)]).orElseThrow());
    }

    @Benchmark
    @Fork(jvmArgsAppend = {PeerFlags.LMDB_NIO, PeerFlags.LMDB_DIRECT})
    public Object readMessage_lmdb(Lmdb s, Pick p) {
        return s.cache.ensureAllLoaded(s.cache.read(s.messageIds[p.next(MESSAGES)]).orElseThrow());
    }

    // --- the message cache --------------------------------------------------------------------------

    @Benchmark
    public String resolve_mmap4j(Mapped s, Pick p) {
        return s.store.resolve(s.resolvePaths[p.next(MESSAGES)]);
    }

    @Benchmark
    @Fork(jvmArgsAppend = {PeerFlags.LMDB_NIO, PeerFlags.LMDB_DIRECT})
    public String resolve_lmdb(Lmdb s, Pick p) {
        return s.store.resolve(s.resolvePaths[p.next(MESSAGES)]);
    }

    @Benchmark
    public String writeMessage_mmap4j(Mapped s) {
        return s.cache.write(message(s.next++));
    }

    @Benchmark
    @Fork(jvmArgsAppend = {PeerFlags.LMDB_NIO, PeerFlags.LMDB_DIRECT})
    public String writeMessage_lmdb(Lmdb s) {
        return s.cache.write(message(s.next++));
    }
}
