package org.catalogue.esanalysis;

import java.util.List;

import org.elasticsearch.Build;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestResponse;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.xcontent.XContentBuilder;

/**
 * {@code GET /}: the node's name and version, which clients read to check that they speak the
 * server's major version. The distribution on Maven Central lacks the rest-root module that
 * answers it in a full Elasticsearch.
 */
final class RootInfoHandler extends BaseRestHandler {
    private final Settings settings;

    RootInfoHandler(Settings settings) {
        this.settings = settings;
    }

    @Override
    public String getName() {
        return "catalogue_root_info";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(RestRequest.Method.GET, "/"), new Route(RestRequest.Method.HEAD, "/"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        return channel -> {
            Build build = Build.current();
            XContentBuilder body = channel.newBuilder();
            body.startObject();
            body.field("name", settings.get("node.name", ""));
            body.field("cluster_name", settings.get("cluster.name", "elasticsearch"));
            body.startObject("version");
            body.field("number", build.version());
            body.field("build_flavor", build.flavor());
            body.field("build_type", build.type().displayName());
            body.field("build_hash", build.hash());
            body.field("build_date", build.date());
            body.field("lucene_version", org.apache.lucene.util.Version.LATEST.toString());
            body.field("minimum_wire_compatibility_version", build.minWireCompatVersion());
            body.field("minimum_index_compatibility_version", build.minIndexCompatVersion());
            body.endObject();
            body.field("tagline", "You Know, for Search");
            body.endObject();
            channel.sendResponse(new RestResponse(RestStatus.OK, body));
        };
    }
}
