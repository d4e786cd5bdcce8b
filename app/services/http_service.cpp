#include "app/services/http_service.h"

namespace tickscope::app {

HttpService::HttpService(const HttpSettings &settings)
    : m_endpoint(settings.token)
    , m_queries(settings)
{
    m_thread.setObjectName(QStringLiteral("http"));
    m_metrics.serveOn(m_endpoint);
    m_queries.serveOn(m_endpoint);
    m_port = listenAsConfigured(m_endpoint, settings);
    m_endpoint.moveToThread(&m_thread);
    m_metrics.moveToThread(&m_thread);
    m_thread.start();
}

HttpService::~HttpService()
{
    m_thread.quit();
    m_thread.wait();
}

} // namespace tickscope::app
