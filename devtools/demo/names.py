"""Word lists the demo book draws names from (no Faker: it is a dev-only dependency)."""

COMPANY_FIRST = [
    "Acme", "Apex", "Arbor", "Atlas", "Aurora", "Beacon", "Birch", "Blue Ridge", "Bluewater", "Bramble",
    "Brightline", "Cascade", "Cedar", "Centauri", "Clearwater", "Cobalt", "Copper", "Crescent", "Crown",
    "Delta", "Eastgate", "Elm", "Evergreen", "Falcon", "Fieldstone", "Foxglove", "Frontier", "Granite",
    "Greenleaf", "Harbor", "Hawthorne", "Highland", "Horizon", "Iron", "Juniper", "Keystone", "Lakeside",
    "Landmark", "Liberty", "Lighthouse", "Maple", "Meridian", "Mesa", "Northwind", "Oakridge", "Orchard",
    "Pacific", "Paragon", "Pinnacle", "Prairie", "Quarry", "Redwood", "Ridgeline", "Riverbend", "Sable",
    "Sagebrush", "Silverline", "Sterling", "Stonebridge", "Summit", "Sunrise", "Tidewater", "Timber",
    "Trident", "Union", "Valley", "Vanguard", "Vertex", "Westfield", "Willow", "Zenith",
]
COMPANY_SECOND = [
    "Logistics", "Manufacturing", "Foods", "Health", "Dental", "Engineering", "Electric", "Plumbing",
    "Builders", "Supply", "Distribution", "Pharma", "Analytics", "Software", "Systems", "Motors",
    "Packaging", "Textiles", "Farms", "Hospitality", "Retail", "Outfitters", "Labs", "Media", "Energy",
    "Freight", "Marine", "Aerospace", "Chemicals", "Printing", "Interiors", "Landscaping", "Medical",
    "Instruments", "Metals", "Plastics", "Paper", "Robotics", "Security", "Telecom",
]
COMPANY_SUFFIX = ["Inc.", "LLC", "Corp.", "Co.", "Ltd.", "Group", "Partners", "Holdings"]
PUBLIC_BODIES = [
    "County of", "City of", "School District of", "Water Authority of", "Transit Authority of",
    "Department of Public Works,", "Port Authority of", "University of",
]
PLACES = [
    "Springfield", "Riverton", "Fairview", "Georgetown", "Madison", "Franklin", "Clinton", "Salem",
    "Arlington", "Ashland", "Burlington", "Dover", "Greenville", "Hudson", "Kingston", "Lexington",
    "Marion", "Milton", "Newport", "Oxford", "Richmond", "Shelby", "Troy", "Winchester", "Chester",
    "Dayton", "Manchester", "Bristol", "Lyon", "Hamburg", "Toronto", "Ottawa", "Calgary", "Leeds",
    "Rotterdam", "Munich", "Dublin", "Glasgow", "Vancouver", "Montreal",
]
FIRST_NAMES = [
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "Karen",
    "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Sandra", "Mark", "Ashley", "Priya", "Kimberly",
    "Steven", "Emily", "Paul", "Donna", "Andrew", "Michelle", "Joshua", "Carol", "Kenji", "Amanda",
    "Kevin", "Melissa", "Brian", "Deborah", "Omar", "Stephanie", "Timothy", "Rebecca", "Ronald", "Laura",
    "Jason", "Sharon", "Wei", "Cynthia", "Ryan", "Kathleen", "Jacob", "Amy", "Luis", "Angela", "Hannah",
    "Sofia", "Mateo", "Aisha", "Lars", "Ingrid", "Hugo", "Chloe", "Rafael", "Fatima",
]
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green",
    "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Patel",
    "Kim", "Schmidt", "Müller", "Dubois", "O'Brien", "Novak", "Larsen", "Yamamoto", "Chen", "Singh",
]
