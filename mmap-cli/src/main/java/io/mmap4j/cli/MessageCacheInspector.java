package io.mmap4j.cli;

import io.mmap4j.cli.Sample.Figure;
import io.mmap4j.content.MessageCache;
import io.mmap4j.store.SharedMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A message cache under {@code stat} and {@code verify}: a directory holding the layout that
 * {@code docs/message-format.md} ("Recognising a cache") names, on the mapped backend (a shared map)
 * or the file-system backend (files, directories and symbolic links). Each sample reads the store
 * afresh, read-only, while other processes write it: the library's {@link MessageCache#stat(Path)}
 * (one read of every {@code data/} entry) and, for a mapped cache, its map's figures.
 */
final class MessageCacheInspector {
    private MessageCacheInspector() {
    }

    /** What one sample reads: the cache's figures, and its map's where it is mapped (else null). */
    record Look(MessageCache.Stat cache, SharedMap.Stats map) {
    }

    /** Opens the cache in {@code directory} for {@code stat}. */
    static Inspector open(Path directory) throws IOException {
        return new PathInspector<>(directory, MessageCacheInspector::look, MessageCacheInspector::figures);
    }

    /** Whether the cache in {@code directory} is on the mapped backend: its directory holds a shared map's control file. */
    static boolean isMapped(Path directory) {
        return Files.isRegularFile(directory.resolve("map"), LinkOption.NOFOLLOW_LINKS);
    }

    private static Look look(Path directory) throws IOException {
        SharedMap.Stats map = isMapped(directory) ? SharedMap.stats(directory) : null;
        return new Look(MessageCache.stat(directory), map);
    }

    /** What {@code stat} prints of a message cache, in order; a mapped one's map figures last. */
    static List<Figure> figures(Look look) {
        MessageCache.Stat stat = look.cache();
        List<Figure> figures = new ArrayList<>(List.of(
                new Figure("store", look.map() == null ? "file system" : "mapped", false),
                Figure.of("messages", stat.messages()),
                Figure.of("lists", stat.lists()),
                Figure.of("scalars", stat.scalars()),
                Figure.of("scalar bytes", stat.scalarBytes()),
                Figure.of("stored bytes", stat.storedBytes()),
                Figure.of("packed bytes", stat.packedBytes())));
        if (look.map() != null) {
            figures.addAll(List.of(
                    Figure.of("map keys", look.map().keys()),
                    Figure.of("map dead bytes", look.map().deadBytes()),
                    Figure.of("map file bytes", look.map().fileBytes())));
        }
        return figures;
    }

    /**
     * {@code verify} of the cache in {@code directory}: for a mapped cache, first its map's bytes
     * ({@link SharedMap#verify(Path)}, each problem naming its file and offset); then, if they are
     * sound (damaged bytes make every entry above them suspect), its content
     * ({@link MessageCache#verify(Path)}), each problem naming the entry, the path in the store.
     */
    static List<Problem> verify(Path directory) throws IOException {
        List<Problem> problems = new ArrayList<>();
        if (isMapped(directory)) {
            SharedMap.verify(directory).forEach(p -> problems.add(Problem.in(p.file(), p.offset(), p.field(), p.found(),
                    p.expected())));
        }
        if (problems.isEmpty()) {
            MessageCache.verify(directory).forEach(p -> problems.add(new Problem(p.path(), -1, p.problem())));
        }
        return problems;
    }
}
