package io.mmap4j.content;

import java.util.AbstractList;
import java.util.RandomAccess;
import java.util.function.UnaryOperator;

/** A list as {@link MessageCache} returns it: unmodifiable, over an array filled once by the reader. */
final class LoadedList extends AbstractList<Object> implements RandomAccess {
    private final Object[] values;

    /** A list of {@code values}; the array is the list's own from now on. */
    LoadedList(Object[] values) {
        this.values = values;
    }

    /** This list with {@code load} applied to each element: itself if no element changed. */
    LoadedList mapValues(UnaryOperator<Object> load) {
        Object[] loaded = mapped(values, load);
        return loaded == null ? this : new LoadedList(loaded);
    }

    /** A copy of {@code values} with {@code load} applied to each, or null if it changed none (nothing copied). */
    static Object[] mapped(Object[] values, UnaryOperator<Object> load) {
        Object[] loaded = null;
        for (int i = 0; i < values.length; i++) {
            Object v = load.apply(values[i]);
            if (v != values[i] && loaded == null) {
                loaded = values.clone();
            }
            if (loaded != null) {
                loaded[i] = v;
            }
        }
        return loaded;
    }

    @Override
    public Object get(int index) {
        return values[index];
    }

    @Override
    public int size() {
        return values.length;
    }
}
