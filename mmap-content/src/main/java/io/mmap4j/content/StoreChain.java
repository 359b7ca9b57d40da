package io.mmap4j.content;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Several stores tried in order, each under an access policy, as HyperBEAM's {@code hb_store}
 * manager treats a list of stores: a fast {@link MemoryStore} in front of a persistent one, a
 * read-only archive behind a writable cache, and so on.
 *
 * <p>Each operation goes to the members whose policy allows it, in order:
 * <ul>
 *   <li>{@link #read}, {@link #type}, {@link #resolve}, {@link #list} (and so {@link #match}) need
 *       {@link Access#READ}: the first member whose answer is not absent wins (for {@code resolve},
 *       the first whose resolved path holds something; for {@code list}, the first where the path is
 *       a group);</li>
 *   <li>{@link #write}, {@link #makeGroup}, {@link #makeLink} (and so {@link #index}) need
 *       {@link Access#WRITE} and go to the first member that has it;</li>
 *   <li>{@link #reset()} needs {@link Access#WRITE} or {@link Access#ADMIN} and resets every member
 *       that has either.</li>
 * </ul>
 * A member without the access an operation needs is skipped for it, so a read-only member is never
 * written and a write-only member never read; a member with no access at all is skipped for
 * everything. A write that no member may take is an {@link IllegalStateException}. The chain owns
 * its members: {@link #close()} closes each.
 */
public final class StoreChain implements Store {
    /** What a member of a chain may be asked to do. */
    public enum Access {
        /** read, type, resolve, list, match */
        READ,
        /** write, makeGroup, makeLink, index, reset */
        WRITE,
        /** reset */
        ADMIN
    }

    /**
     * One store of a chain and what it may be asked to do.
     *
     * @param store  the store
     * @param access its policy; empty means it is skipped for everything
     */
    public record Member(Store store, Set<Access> access) {
        /**
         * Checks and copies the policy.
         *
         * @param store  the store
         * @param access its policy
         */
        public Member {
            Objects.requireNonNull(store, "store");
            access = access.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(access));
        }

        /**
         * A member with the given access.
         *
         * @param store  the store
         * @param access what it may do; none means nothing
         * @return the member
         */
        public static Member of(Store store, Access... access) {
            Set<Access> set = EnumSet.noneOf(Access.class);
            for (Access a : Objects.requireNonNull(access, "access")) {
                set.add(Objects.requireNonNull(a, "an access"));
            }
            return new Member(store, set);
        }

        boolean may(Access a) {
            return access.contains(a);
        }
    }

    private final List<Member> members;
    private volatile boolean open = true;

    private StoreChain(List<Member> members) {
        this.members = members;
    }

    /**
     * A chain of {@code members}, tried in the order given.
     *
     * @param members the stores and their policies; at least one
     * @return the chain
     * @throws IllegalArgumentException if there is no member
     */
    public static StoreChain of(List<Member> members) {
        List<Member> copy = List.copyOf(Objects.requireNonNull(members, "members"));
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("a chain needs at least one store");
        }
        return new StoreChain(copy);
    }

    /**
     * A chain of {@code stores}, each with every access, tried in the order given.
     *
     * @param stores the stores; at least one
     * @return the chain
     */
    public static StoreChain of(Store... stores) {
        List<Member> list = new ArrayList<>();
        for (Store s : Objects.requireNonNull(stores, "stores")) {
            list.add(Member.of(s, Access.values()));
        }
        return of(list);
    }

    /**
     * The members, in order.
     *
     * @return the chain's stores and their policies
     */
    public List<Member> members() {
        return members;
    }

    @Override
    public Optional<byte[]> read(String path) {
        for (Member m : readers()) {
            Optional<byte[]> v = m.store().read(path);
            if (v.isPresent()) {
                return v;
            }
        }
        return Optional.empty();
    }

    @Override
    public Type type(String path) {
        for (Member m : readers()) {
            Type t = m.store().type(path);
            if (t != Type.ABSENT) {
                return t;
            }
        }
        return Type.ABSENT;
    }

    @Override
    public String resolve(String path) {
        String first = null;
        for (Member m : readers()) {
            String r = m.store().resolve(path);
            if (m.store().type(r) != Type.ABSENT) {
                return r;
            }
            first = first == null ? r : first;
        }
        return first != null ? first : StorePaths.normalize(path);
    }

    @Override
    public List<String> list(String path) {
        for (Member m : readers()) {
            if (m.store().type(path) == Type.COMPOSITE) {
                return m.store().list(path);
            }
        }
        return List.of();
    }

    @Override
    public void write(String path, byte[] value) {
        writer("write " + path).write(path, value);
    }

    @Override
    public void makeGroup(String path) {
        writer("make the group " + path).makeGroup(path);
    }

    @Override
    public void makeLink(String existing, String newPath) {
        writer("make the link " + newPath).makeLink(existing, newPath);
    }

    @Override
    public void reset() {
        checkOpen();
        for (Member m : members) {
            if (m.may(Access.WRITE) || m.may(Access.ADMIN)) {
                m.store().reset();
            }
        }
    }

    @Override
    public String location() {
        return members.stream().map(m -> m.store().location() + " " + m.access())
                .collect(Collectors.joining(", ", "chain[", "]"));
    }

    @Override
    public void close() {
        if (open) {
            open = false;
            for (Member m : members) {
                m.store().close();
            }
        }
    }

    /** Names the members and their policies. */
    @Override
    public String toString() {
        return "StoreChain" + location().substring("chain".length());
    }

    private List<Member> readers() {
        checkOpen();
        return members.stream().filter(m -> m.may(Access.READ)).toList();
    }

    private Store writer(String doing) {
        checkOpen();
        for (Member m : members) {
            if (m.may(Access.WRITE)) {
                return m.store();
            }
        }
        throw new IllegalStateException("cannot " + doing + ": no store of " + location() + " has write access");
    }

    private void checkOpen() {
        if (!open) {
            throw new IllegalStateException("the store chain is closed");
        }
    }
}
