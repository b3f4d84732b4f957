"""Where moto sends Import/Export requests: the global endpoint `importexport.amazonaws.com`, and the
odd hosts moto's server makes up for SigV2 and unsigned posts (`importexport.<UA segment>.amazonaws.com`,
`importexport..amazonaws.com`). Every action is a `POST /`; the documents an answer links to are GETs
under `/artifacts` and `/shipping-labels`; the control API is under `/__jobcontract`."""

from .control import answer as control
from .responses import answer, document

url_bases = [r"https?://importexport\.(.*\.)?amazonaws\.com"]

url_paths = {
    "{0}/$": answer,
    "{0}/__jobcontract(?P<control>.*)$": control,
    "{0}/artifacts/(?P<artifact>.+)$": document,
    "{0}/shipping-labels/(?P<label>.+)$": document,
}
