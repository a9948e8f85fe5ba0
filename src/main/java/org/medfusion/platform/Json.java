package org.medfusion.platform;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyName;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.AnnotatedParameter;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;

/**
 * The one Jackson mapper of the project's files: snake_case field names, pretty-printed, unknown properties ignored (newer
 * writers). Modules on the classpath are registered (cells: {@code results.CellJson.Module}). Files written before the names were snake_case (camelCase
 * manifests) still read: every record component also answers to its Java name.
 */
public final class Json {
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .annotationIntrospector(new CamelCaseAliases())
            .findAndAddModules() // e.g. results.CellJson.Module, listed in META-INF/services
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private Json() {
    }

    /** First line of an exception message (Jackson appends source excerpts on later lines). */
    public static String oneLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** {@code peak_bytes} to {@code peakBytes}: the names of files written before snake_case. */
    public static String camelCase(String snake) {
        StringBuilder sb = new StringBuilder();
        boolean up = false;
        for (char c : snake.toCharArray()) {
            if (c == '_') {
                up = true;
            } else {
                sb.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return sb.toString();
    }

    /** Adds each record component's Java (camelCase) name as an alias of its snake_case property. */
    private static final class CamelCaseAliases extends JacksonAnnotationIntrospector {
        @Override
        public List<PropertyName> findPropertyAliases(Annotated a) {
            List<PropertyName> out = new ArrayList<>();
            List<PropertyName> declared = super.findPropertyAliases(a);
            if (declared != null) {
                out.addAll(declared);
            }
            String name = a.getName();
            if (a instanceof AnnotatedParameter p) {
                RecordComponent[] components = p.getDeclaringClass().getRecordComponents();
                name = components != null && p.getOwner().getParameterCount() == components.length
                        ? components[p.getIndex()].getName() : null;
            }
            if (name != null && !name.isEmpty()) {
                out.add(PropertyName.construct(name));
            }
            return out.isEmpty() ? null : out;
        }
    }
}
