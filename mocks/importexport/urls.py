"""Where moto sends Import/Export requests: the global endpoint `importexport.amazonaws.com`, and the
odd hosts moto's server makes up for SigV2 and unsigned posts (`importexport.<UA segment>.amazonaws.com`,
`importexport..amazonaws.com`). Every action is a `POST /`."""

from .responses import answer

url_bases = [r"https?://importexport\.(.*\.)?amazonaws\.com"]

url_paths = {"{0}/$": answer}
