package io.mmap4j.bench;

import static io.mmap4j.bench.PeerCheck.call;
import static io.mmap4j.bench.PeerCheck.close;
import static io.mmap4j.bench.PeerCheck.method;
import static io.mmap4j.bench.PeerCheck.open;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmap4j.content.MessageCache;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * {@link PeerCheck} for the message cache benchmarks: a value read is the drawn value, a list names
 * the group's ten keys, a message read is the drawn message whole, a resolution through a committed
 * ID ends at the drawn signed message's value, and a write stores a new message that reads back.
 */
final class MessageCachePeerCheck {
    private MessageCachePeerCheck() {
    }

    /** Checks {@code peer}'s message cache benchmarks; false if it has none. */
    static boolean check(String peer) throws Exception {
        Optional<Method> read = method(MessageCacheBenchmark.class, "readValue_" + peer);
        if (read.isEmpty()) {
            return false;
        }
        MessageCacheBenchmark.Filled state = (MessageCacheBenchmark.Filled) open(read.get().getParameterTypes()[0],
                Map.of("scaleDown", 1000));
        try {
            MessageCacheBenchmark bench = new MessageCacheBenchmark();
            MessageCacheBenchmark.Pick pick = new MessageCacheBenchmark.Pick();
            for (int i = 0; i < 50; i++) {
                byte[] value = (byte[]) call(bench, "readValue_" + peer, state, pick);
                assertArrayEquals(MessageCacheBenchmark.value(pick.last), value, peer + ": value " + pick.last);
                List<?> names = (List<?>) call(bench, "list_" + peer, state, pick);
                assertEquals(new TreeSet<>(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")), new TreeSet<>(names),
                        peer + ": group " + pick.last);
                Object message = call(bench, "readMessage_" + peer, state, pick);
                assertEquals(MessageCache.id(MessageCacheBenchmark.message(pick.last)), MessageCache.id(message),
                        peer + ": message " + pick.last + " whole");
                Object resolved = call(bench, "resolve_" + peer, state, pick);
                assertEquals("data/" + MessageCache.id(-1L - pick.last), resolved,
                        peer + ": the committed ID of signed message " + pick.last + ", then config/index");
                long n = state.next;
                String id = (String) call(bench, "writeMessage_" + peer, state);
                assertEquals(MessageCache.id(MessageCacheBenchmark.message(n)), id, peer + ": message " + n + " written");
                assertEquals(id, MessageCache.id(state.cache.ensureAllLoaded(state.cache.read(id).orElseThrow())));
            }
            assertEquals(List.of(), state.cache.verify(), peer + ": the cache is sound");
        } finally {
            close(state);
        }
        return true;
    }
}
