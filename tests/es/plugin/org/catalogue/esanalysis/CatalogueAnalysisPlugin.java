package org.catalogue.esanalysis;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.miscellaneous.LengthFilter;
import org.apache.lucene.analysis.pattern.PatternTokenizer;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.IndexScopedSettings;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.settings.SettingsFilter;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.RestController;
import org.elasticsearch.rest.RestHandler;

/**
 * The parts of a full Elasticsearch that the catalogue uses and the distribution published on
 * Maven Central (integ-test-zip) ships without: the analysis-common module's analysis parts the
 * index template names, and the rest-root module's {@code GET /} (see {@link RootInfoHandler}).
 *
 * Each analysis part is the Lucene class that analysis-common wraps under the same name, with the
 * same defaults: the "pattern" tokenizer and the "length", "asciifolding" and "snowball" token
 * filters. Only the settings the catalogue's template uses are read.
 */
public class CatalogueAnalysisPlugin extends Plugin implements AnalysisPlugin, ActionPlugin {

    @Override
    public Collection<RestHandler> getRestHandlers(
        Settings settings,
        NamedWriteableRegistry namedWriteableRegistry,
        RestController restController,
        ClusterSettings clusterSettings,
        IndexScopedSettings indexScopedSettings,
        SettingsFilter settingsFilter,
        IndexNameExpressionResolver indexNameExpressionResolver,
        java.util.function.Supplier<DiscoveryNodes> nodesInCluster,
        java.util.function.Predicate<NodeFeature> clusterSupportsFeature
    ) {
        return List.of(new RootInfoHandler(settings));
    }

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        return Map.of("pattern", (indexSettings, environment, name, settings) -> {
            Pattern pattern = Pattern.compile(settings.get("pattern", "\\W+"));
            int group = settings.getAsInt("group", -1);
            return TokenizerFactory.newFactory(name, () -> new PatternTokenizer(pattern, group));
        });
    }

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        return Map.of(
            "length", (indexSettings, environment, name, settings) -> {
                int min = settings.getAsInt("min", 0);
                int max = settings.getAsInt("max", Integer.MAX_VALUE);
                return filter(name, stream -> new LengthFilter(stream, min, max));
            },
            "asciifolding", (indexSettings, environment, name, settings) -> filter(name, ASCIIFoldingFilter::new),
            "snowball", (indexSettings, environment, name, settings) -> {
                String language = settings.get("language", "English");
                return filter(name, stream -> new SnowballFilter(stream, language));
            }
        );
    }

    private static TokenFilterFactory filter(String name, UnaryOperator<TokenStream> wrap) {
        return new TokenFilterFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public TokenStream create(TokenStream stream) {
                return wrap.apply(stream);
            }
        };
    }
}
